/**
 * The fast decoders of GoFast.ts against the schemas they shortcut: on
 * every input where a fast decoder answers, the schema must succeed with
 * the very same value (fields, key order, zero values, number types); where
 * it bails, the schema decides. Inputs are the arbitraries' values as runc
 * would write them, real state.json files, and mutations of both.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import * as Config from "../../../src/Config.js"
import { ownErrorFirst, toDecodeError } from "../../../src/internal/json/GoDecode.js"
import { bail, fastOf } from "../../../src/internal/json/GoFast.js"
import { JsonNumber, type JsonValue, parseJson } from "../../../src/internal/json/GoJson.js"
import { rawFieldsOf } from "../../../src/internal/json/GoSchema.js"
import * as State from "../../../src/State.js"

/** A value rendered with everything equality must cover: key order, prototypes, number kinds, -0. */
const render = (v: unknown): string => {
  if (typeof v === "bigint") return `${v}n`
  if (v === undefined) return "undefined"
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v)
  if (v === null || typeof v !== "object") return JSON.stringify(v)
  if (v instanceof JsonNumber) return `#${v.literal}`
  if (Array.isArray(v)) return `[${v.map(render).join(",")}]`
  const proto = Object.getPrototypeOf(v) === null ? "null:" : ""
  const entries = Reflect.ownKeys(v).map((k) => `${String(k)}=${render((v as Record<PropertyKey, unknown>)[k])}`)
  return `{${proto}${entries.join(",")}}`
}

const tree = (text: string): JsonValue => Either.getOrThrow(parseJson(text))


/** Runs both decoders; fails the test when the fast one answers differently from the schema. */
const agree = <A>(schema: Schema.Schema<A, unknown>, value: unknown): "fast" | "bailed" => {
  const fast = fastOf(schema)!(value)
  if (fast === bail) return "bailed"
  const slow = Schema.decodeUnknownEither(schema)(value)
  expect(Either.isRight(slow), `fast path accepted what the schema refuses: ${render(value).slice(0, 300)}`).toBe(true)
  if (Either.isRight(slow)) expect(render(fast)).toBe(render(slow.right))
  return "fast"
}

// ---------------------------------------------------------------------------
// Mutations of JSON trees

const literal = (s: string) => new JsonNumber(s)

/** Values that sit on the edges of what Go accepts for some field. */
const interesting: ReadonlyArray<JsonValue> = [
  null, true, false, "", "x", "FROZEN", "0001-01-01T00:00:00Z", "2024-02-29T23:59:59.123456789+01:00",
  "2023-02-29T00:00:00Z", "2024-01-01T00:00:00.1000Z", literal("0"), literal("-0"), literal("1"), literal("-1"),
  literal("1.0"), literal("1e2"), literal("01"), literal("255"), literal("65535"), literal("65536"),
  literal("2147483647"), literal("2147483648"), literal("4294967295"), literal("4294967296"),
  literal("9007199254740991"), literal("9007199254740992"), literal("-9007199254740992"),
  literal("9223372036854775807"), literal("9223372036854775808"), literal("-9223372036854775808"),
  literal("-9223372036854775809"), literal("18446744073709551615"), literal("18446744073709551616"),
  literal("123456789012345"), literal("1234567890123456"), [], [null], [literal("1")], ["a", null], {},
  { path: "/x" }, { PATH: null }, { type: "NEWPID" }, { Type: "NEWNET", path: "" }, { frozen: literal("1") }
]

const protoKeyed = (): JsonValue => {
  const o: Record<string, JsonValue> = {}
  Object.defineProperty(o, "__proto__", { value: "x", enumerable: true, writable: true, configurable: true })
  return o
}

const clone = (v: JsonValue): JsonValue => {
  if (Array.isArray(v)) return v.map(clone)
  if (v !== null && typeof v === "object" && !(v instanceof JsonNumber)) {
    const out: Record<string, JsonValue> = {}
    for (const [k, x] of Object.entries(v)) {
      Object.defineProperty(out, k, { value: clone(x), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return v
}

type Slot = { readonly holder: Record<string, JsonValue> | Array<JsonValue>; readonly key: string | number }

const slots = (v: JsonValue, out: Array<Slot> = []): Array<Slot> => {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push({ holder: v as Array<JsonValue>, key: i })
      slots(x, out)
    })
  } else if (v !== null && typeof v === "object" && !(v instanceof JsonNumber)) {
    for (const [k, x] of Object.entries(v)) {
      out.push({ holder: v as Record<string, JsonValue>, key: k })
      slots(x, out)
    }
  }
  return out
}

/**
 * One edit of a tree: replace a value, blank it (the empty value of its own
 * kind, which `omitempty` fields drop), rename a key (Go matches keys
 * case-insensitively), or add one.
 */
type Edit =
  | { readonly _tag: "Replace"; readonly at: number; readonly value: number }
  | { readonly _tag: "Blank"; readonly at: number }
  | { readonly _tag: "Rename"; readonly at: number; readonly how: number }
  | { readonly _tag: "Add"; readonly at: number; readonly value: number }

const editArbitrary: FastCheck.Arbitrary<Edit> = FastCheck.oneof(
  FastCheck.record({ _tag: FastCheck.constant("Replace" as const), at: FastCheck.nat(), value: FastCheck.nat() }),
  FastCheck.record({ _tag: FastCheck.constant("Blank" as const), at: FastCheck.nat() }),
  FastCheck.record({ _tag: FastCheck.constant("Rename" as const), at: FastCheck.nat(), how: FastCheck.nat() }),
  FastCheck.record({ _tag: FastCheck.constant("Add" as const), at: FastCheck.nat(), value: FastCheck.nat() })
)

/** The empty value of the same JSON kind (a timestamp stays: Go has no empty time text). */
const blank = (v: JsonValue): JsonValue =>
  typeof v === "string"
    ? /^\d{4}-\d\d-\d\dT/.test(v) ? v : ""
    : typeof v === "boolean"
    ? false
    : v instanceof JsonNumber
    ? literal("0")
    : Array.isArray(v)
    ? []
    : v === null
    ? null
    : {}

/** Every scalar in the tree replaced by its blank, in place. */
const blankScalars = (v: JsonValue): void => {
  for (const { holder, key } of slots(v)) {
    const value = (holder as Record<string | number, JsonValue>)[key]!
    if (value === null || typeof value !== "object" || value instanceof JsonNumber) {
      ;(holder as Record<string | number, JsonValue>)[key] = blank(value)
    }
  }
}

const renamed = (key: string, how: number): string => {
  switch (how % 5) {
    case 0:
      return key.toUpperCase()
    case 1:
      return key.charAt(0).toUpperCase() + key.slice(1)
    case 2:
      return key.replace(/k/g, "\u212a").replace(/s/g, "\u017f")
    case 3:
      return `${key}_unknown`
    default:
      return "__proto__"
  }
}

const replacement = (i: number): JsonValue => (i % (interesting.length + 1) === interesting.length ? protoKeyed() : clone(interesting[i % interesting.length]!))

const apply = (root: JsonValue, edit: Edit): void => {
  const all = slots(root)
  if (all.length === 0) return
  const { holder, key } = all[edit.at % all.length]!
  switch (edit._tag) {
    case "Replace":
      ;(holder as Record<string | number, JsonValue>)[key] = replacement(edit.value)
      return
    case "Blank":
      ;(holder as Record<string | number, JsonValue>)[key] = blank((holder as Record<string | number, JsonValue>)[key]!)
      return
    case "Add":
      if (!Array.isArray(holder)) {
        Object.defineProperty(holder, renamed(String(key), edit.value), {
          value: replacement(edit.value), enumerable: true, writable: true, configurable: true
        })
      }
      return
    case "Rename": {
      if (Array.isArray(holder)) return
      const value = holder[key as string]!
      const entries = Object.entries(holder)
      for (const [k] of entries) delete holder[k]
      for (const [k, x] of entries) {
        const name = k === key ? renamed(k, edit.how) : k
        Object.defineProperty(holder, name, { value: k === key ? value : x, enumerable: true, writable: true, configurable: true })
      }
    }
  }
}

const fixtureTexts = [
  "runc-1.1.5/created.json", "runc-1.1.5/running.json", "runc-1.1.5/paused.json", "runc-1.1.5/stopped.json",
  "seed/load-container.json", "seed/empty-config.json", "seed/cgroup-empty-resources.json"
].map((name) => ({ name, text: readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8") }))

/** The two documents: how to make one as runc writes it, and how to check one. */
const documents = [
  {
    name: "State",
    arbitrary: State.arbitrary.map((v) => Either.getOrThrow(State.encodeJson(v))),
    check: (value: unknown) => agree(State.State, value)
  },
  {
    name: "Config",
    arbitrary: Config.arbitrary.map((v) => Either.getOrThrow(Config.encodeJson(v))),
    check: (value: unknown) => agree(Config.Config, value)
  }
] as const

describe("fast decoding agrees with the schemas", () => {
  for (const { arbitrary, check, name } of documents) {
    it(`${name}: every arbitrary value, as runc would write it, takes the fast path to the schema's value`, () => {
      FastCheck.assert(
        FastCheck.property(arbitrary, (text) => {
          expect(check(tree(text))).toBe("fast")
        }),
        { numRuns: 150 }
      )
    })

    it(`${name}: mutated documents are decoded as the schema decodes them, or left to it`, () => {
      let fast = 0
      FastCheck.assert(
        FastCheck.property(arbitrary, FastCheck.array(editArbitrary, { minLength: 1, maxLength: 4 }), (text, edits) => {
          const root = tree(text)
          for (const edit of edits) apply(root, edit)
          if (check(root) === "fast") fast++
        }),
        { numRuns: 300 }
      )
      expect(fast).toBeGreaterThan(30)
    })

    it(`${name}: documents whose every scalar is blank read as the schema reads them`, () => {
      FastCheck.assert(
        FastCheck.property(arbitrary, (text) => {
          const root = tree(text)
          blankScalars(root)
          expect(check(root)).toBe("fast")
        }),
        { numRuns: 100 }
      )
    })
  }

  it("the zero values (decoding {}) are the schema's", () => {
    expect(agree(State.State, {})).toBe("fast")
    expect(agree(Config.Config, {})).toBe("fast")
  })

  for (const { name, text } of fixtureTexts) {
    it(`${name}: takes the fast path to the schema's value, and every mutation agrees`, () => {
      const isConfig = name.startsWith("seed/empty-config") || name.startsWith("seed/cgroup")
      const check = (root: JsonValue) => (isConfig ? agree(Config.Config, root) : agree(State.State, root))
      expect(check(tree(text))).toBe("fast")
      FastCheck.assert(
        FastCheck.property(FastCheck.array(editArbitrary, { minLength: 1, maxLength: 3 }), (edits) => {
          const root = tree(text)
          for (const edit of edits) apply(root, edit)
          check(root)
        }),
        { numRuns: 200 }
      )
    })
  }
})

describe("decodeJson with the fast path", () => {
  const reference = (text: string) =>
    Either.flatMap(
      Either.mapLeft(parseJson(text, { rawMember: rawFieldsOf(State.State)! }), ({ reason }) => ({ field: "", reason })),
      (value) =>
        value === null
          ? Either.left({ field: "", reason: "State document is null" })
          : Either.mapLeft(Schema.decodeUnknownEither(State.State)(value), (e) => {
            const error = toDecodeError("State", ownErrorFirst(State.State, value, e))
            return { field: error.field, reason: error.reason }
          })
    )

  it("gives the schema's value or the schema's error, for mutated runc documents", () => {
    const text = fixtureTexts[1]!.text
    FastCheck.assert(
      FastCheck.property(FastCheck.array(editArbitrary, { minLength: 1, maxLength: 3 }), (edits) => {
        const root = tree(text)
        for (const edit of edits) apply(root, edit)
        const document = JSON.stringify(root, (_, v: unknown) => (v instanceof JsonNumber ? `#${v.literal}#` : v))
          .replace(/"#([^#]*)#"/g, "$1")
        const ours = State.decodeJson(document)
        const theirs = reference(document)
        expect(Either.isRight(ours)).toBe(Either.isRight(theirs))
        if (Either.isRight(ours) && Either.isRight(theirs)) expect(render(ours.right)).toBe(render(theirs.right))
        if (Either.isLeft(ours) && Either.isLeft(theirs)) {
          expect({ field: ours.left.field, reason: ours.left.reason }).toEqual(theirs.left)
        }
      }),
      { numRuns: 200 }
    )
  })
})
