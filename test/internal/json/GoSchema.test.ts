/**
 * The schema builders beyond decoding documents: a struct's value built
 * by generated code equals the one the plain loop builds; a Go schema
 * decodes values built in JS through the same decoder; maps are written in
 * byte order; arbitraries make values the encoder takes.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Config from "../../../src/Config.js"
import { buildCode, buildLoop, type Kind, goMap, GoString, GoUint64, zeroOf } from "../../../src/internal/json/GoSchema.js"
import { stringify } from "../../../src/internal/json/GoJson.js"
import * as State from "../../../src/State.js"

const render = (v: unknown): string =>
  v !== null && typeof v === "object"
    ? `{${Object.entries(v).map(([k, x]) => `${k}=${typeof x === "bigint" ? `${x}n` : JSON.stringify(x)}`).join(",")}}`
    : String(v)

describe("struct values", () => {
  const field = FastCheck.record({
    name: FastCheck.constantFrom("a", "b", "c_d", "E", "f1", "\"q\"", "x y", "constructor", "toString", "0", "12"),
    kind: FastCheck.constantFrom<Kind>("field", "omitEmpty", "omitNil"),
    value: FastCheck.oneof(
      FastCheck.constant(undefined),
      FastCheck.constant(null),
      FastCheck.constantFrom("", "x", 0, 7, 0n, 3n, false, true),
      FastCheck.constant([]),
      FastCheck.constant({})
    )
  })

  it.prop("generated code builds exactly what the loop builds (keys, order, values)", [
    FastCheck.uniqueArray(field, { selector: (f) => f.name, maxLength: 9 })
  ], ([fields]) => {
    const names = fields.map((f) => f.name)
    const kinds = fields.map((f) => f.kind)
    const zeros = fields.map((_, i) => () => `zero${i}`)
    const values = fields.map((f) => f.value)
    expect(render(buildCode(names, kinds, zeros)(values))).toBe(render(buildLoop(names, kinds, zeros)(values)))
  })
})

describe("Go schemas as Effect schemas", () => {
  it("Schema.decodeUnknown reads a JS value with Go's rules, and fails with Go's text", () => {
    expect(Schema.decodeUnknownSync(Config.Config)({})).toEqual(zeroOf(Config.Config))
    expect(Schema.decodeUnknownSync(Config.Rlimit)({ type: 7, hard: 18446744073709551615n, SOFT: 1 }))
      .toEqual({ type: 7, hard: 18446744073709551615n, soft: 1n })
    const e = Schema.decodeUnknownEither(Config.Rlimit)({ hard: -0 })
    expect(Either.isLeft(e) && e.left.message).toContain(
      "json: cannot unmarshal number -0 into Go struct field Rlimit.hard of type uint64"
    )
  })

  it("writes a map's keys in byte order, integer-like keys included", () => {
    const map = goMap(GoUint64)
    const tree = Either.getOrThrow(Schema.encodeEither(map)({ b: 1n, "10": 2n, "2": 3n, "-": 4n, "😀": 5n, "\uffff": 6n }))
    expect(stringify(tree as never)).toBe(`{"-":4,"10":2,"2":3,"b":1,"\uffff":6,"😀":5}`)
    expect(Schema.decodeUnknownSync(goMap(GoString))({ "2": "a", "1": "b" })).toEqual({ "1": "b", "2": "a" })
  })

  it.prop("arbitrary states are written and read back by the decoder, byte for byte", [State.arbitrary()], ([s]) => {
    const text = Either.getOrThrow(State.encodeJson(s))
    const again = Either.getOrThrow(State.decodeJson(text))
    expect(Either.getOrThrow(State.encodeJson(again))).toBe(text)
  }, { fastCheck: { numRuns: 50 } })

  it("arbitraries keep the annotations of the schemas they come from", () => {
    const configs = FastCheck.sample(Config.arbitrary(), { numRuns: 40, seed: 7 })
    const types = configs.flatMap((c) => (c.namespaces ?? []).map((n) => n.type))
    expect(types.length).toBeGreaterThan(0)
    for (const t of types) expect(Config.namespaceTypes).toContain(t)
    for (const c of configs) for (const name of Object.keys(c.Hooks ?? {})) expect(Config.hookNames).toContain(name)
  })
})
