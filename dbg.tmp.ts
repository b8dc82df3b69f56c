import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import { decodeSpec, encodeSpec } from "./src/internal/specconv/load.js"
const recorded = JSON.parse(readFileSync("test/fixtures/specconv/cases.json", "utf8"))
const text = recorded.find((c: any) => c.name === "default").config
const again = Either.getOrThrow(encodeSpec(Either.getOrThrow(decodeSpec(text))))
console.log(text.slice(0, 600)); console.log(again.slice(0, 600))
