/**
 * The Go decoder against Go itself and against its own exact path:
 *
 * - 3,000 mutated state.json documents (`scripts/go-fixtures/decode-corpus.ts`)
 *   with Go 1.19.8's verdict for each (`test/fixtures/go1.19/decode.json`):
 *   the same error text, or the same state written back — or one of the
 *   refusals this library documents where Go would accept;
 * - the compact scan (`GoScan.ts`, where it takes a document) and the fast
 *   path (`JSON.parse` behind the guard) against the exact path (Go's
 *   scanner) on those 3,000 and on 1,300 more mutations fast-check draws:
 *   the same value, key order and number kinds included, or the same
 *   failure (the scan's own tests are in `GoScan.test.ts`);
 * - Go's semantics the guard exists for, one by one: duplicate keys, key
 *   case, 64-bit edges, `-0`, escapes in a time, invalid UTF-8; and what
 *   the guard lets through and what it sends to the exact path.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import {
  baseDocuments,
  bytesOf,
  type Case,
  digest,
  documentOf,
  type Fixture,
  mutate,
  mutation
} from "../../../scripts/go-fixtures/decode-corpus.js"
import * as Config from "../../../src/Config.js"
import { decodeFast, decodeText, type TextDecoded } from "../../../src/internal/json/GoDecoder.js"
import { decoderOf } from "../../../src/internal/json/GoSchema.js"
import * as State from "../../../src/State.js"
import { outcomeOf, Probe, probeDocument, render } from "../../support/goProbe.js"

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/go1.19/decode.json", import.meta.url), "utf8")
) as Fixture

const stateDecoder = decoderOf(State.State)

/** What Go writes back for a state: ours, with a nil `Hooks` written as Go's `MarshalJSON` writes a nil map. */
const goWritten = (s: State.State): string =>
  Either.getOrThrow(State.encodeJson(s.config.Hooks === undefined ? { ...s, config: { ...s.config, Hooks: {} } } : s))

/** The refusals this library documents (docs/compatibility.md) where Go accepts. */
const refusal = /^State\.[^ ]*: (number -?\d+ is beyond 2\^53, not supported for Go type \S+|null is not allowed here \(Go type \S+\)|map key "__proto__" is not supported)$/

/** A decoding's outcome in one line: the failure's text, or the state as written back. */
const outcome = (r: TextDecoded<unknown>): string => outcomeOf(r, (v) => goWritten(v as State.State))

/** A decoding's outcome in one line, its value rendered exactly (key order, number kinds, `-0`). */
const exactly = (r: TextDecoded<unknown>): string => outcomeOf(r)

describe("against Go 1.19.8 (test/fixtures/go1.19/decode.json)", () => {
  const verdict = (c: Case, r: TextDecoded<unknown>): string | undefined => {
    const go = c.go
    if ("error" in go) {
      const ours = r._tag === "Failed" ? r.failure.reason : r._tag === "Syntax" ? r.error.reason : outcome(r)
      return ours === go.error ? undefined : `go: ${go.error}\nours: ${ours}`
    }
    if ("null" in go) return r._tag === "Null" ? undefined : `go: null\nours: ${outcome(r)}`
    if ("value" in go) {
      if (r._tag === "Failed" && refusal.test(r.failure.reason)) return undefined
      if (r._tag === "Ok" && digest(goWritten(r.value as State.State)) === go.value) return undefined
      return `go: a state (${go.value})\nours: ${outcome(r)}`
    }
    return `go: ${go.marshalError}`
  }

  it("is Go 1.19.8's, over 3,000 documents of every kind of answer", () => {
    expect(fixture.go).toBe("go1.19.8")
    expect(fixture.cases.length).toBe(3000)
    const count = (p: (c: Case) => boolean) => fixture.cases.filter(p).length
    expect(count((c) => "value" in c.go)).toBeGreaterThan(1000)
    expect(count((c) => "error" in c.go && c.go.error.startsWith("json: cannot unmarshal"))).toBeGreaterThan(1000)
    expect(count((c) => "error" in c.go && c.go.error.startsWith("invalid character"))).toBeGreaterThan(100)
    expect(count((c) => "error" in c.go && c.go.error.startsWith("parsing time"))).toBeGreaterThan(10)
    expect(count((c) => "null" in c.go)).toBeGreaterThanOrEqual(10)
  })

  it("every document, read as bytes: Go's error text, Go's state, or a documented refusal", () => {
    const mismatches: Array<string> = []
    let refused = 0
    for (const [i, c] of fixture.cases.entries()) {
      const r = decodeText(stateDecoder, bytesOf(documentOf(fixture.bases, c)), "State")
      const wrong = verdict(c, r)
      if (wrong !== undefined) mismatches.push(`case ${i}: ${wrong}`)
      if (r._tag === "Failed" && refusal.test(r.failure.reason)) refused++
    }
    expect(mismatches.slice(0, 5)).toEqual([])
    expect(refused).toBeLessThan(fixture.cases.length / 10)
  })

  it("every document: the exact path gives what the guarded one gives, and a string what its bytes give", () => {
    const mismatches: Array<string> = []
    for (const [i, c] of fixture.cases.entries()) {
      const doc = documentOf(fixture.bases, c)
      const bytes = bytesOf(doc)
      const guarded = exactly(decodeText(stateDecoder, bytes, "State"))
      const exact = exactly(decodeText(stateDecoder, bytes, "State", "exact"))
      if (guarded !== exact) mismatches.push(`case ${i}: guarded ${guarded.slice(0, 200)}\nexact ${exact.slice(0, 200)}`)
      if (!/[\udc80-\udcff]/.test(doc)) {
        const text = exactly(decodeText(stateDecoder, doc, "State"))
        if (text !== guarded) mismatches.push(`case ${i}: string ${text.slice(0, 200)}\nbytes ${guarded.slice(0, 200)}`)
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([])
  })
})

describe("the compact scan and the fast path against the exact path", () => {
  const bases = baseDocuments()

  it.prop(
    "mutated documents: the same value (key order, number kinds) or the same failure",
    [FastCheck.nat({ max: bases.length - 1 }), mutation()],
    ([base, { edits, text }]) => {
      const doc = documentOf(bases, { base, edits: mutate(bases[base]!, edits, text) })
      const bytes = bytesOf(doc)
      const exact = exactly(decodeText(stateDecoder, bytes, "State", "exact"))
      expect(exactly(decodeText(stateDecoder, bytes, "State"))).toBe(exact)
      expect(exactly(decodeText(stateDecoder, bytes, "State", "tree"))).toBe(exact)
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it.prop(
    "configs written by this library, then mutated: the same",
    [Config.arbitrary().map((c) => Either.getOrThrow(Config.encodeJson(c))), mutation()],
    ([written, { edits, text }]) => {
      const doc = documentOf([written], { base: 0, edits: mutate(written, edits, text) })
      const decoder = decoderOf(Config.Config)
      expect(exactly(decodeText(decoder, doc, "Config"))).toBe(exactly(decodeText(decoder, doc, "Config", "exact")))
    },
    { fastCheck: { numRuns: 300 } }
  )
})

/**
 * Cases checked one by one with Go 1.19.8 (`scripts/go-fixtures`,
 * `decode`), on every path: the text's bytes (read compactly where the
 * scanner takes them), the text as a string (the fast path's tree), and the
 * exact path.
 */
describe("Go's semantics, case by case", () => {
  const every = (doc: string): ReadonlyArray<Either.Either<State.State, string>> =>
    ([[Buffer.from(doc), "guarded"], [doc, "tree"], [doc, "exact"]] as const).map(([input, path]) => {
      const r = decodeText(stateDecoder, input, "State", path)
      return r._tag === "Ok"
        ? Either.right(r.value as State.State)
        : Either.left(r._tag === "Failed" ? r.failure.reason : r._tag === "Syntax" ? r.error.reason : "null")
    })
  const decoded = (doc: string): State.State => {
    const [bytes, tree, exact] = every(doc)
    expect(render(tree)).toBe(render(bytes))
    expect(render(exact)).toBe(render(bytes))
    return Either.getOrThrow(bytes!)
  }
  const refused = (doc: string): string => {
    const [bytes, tree, exact] = every(doc)
    expect(tree).toEqual(bytes)
    expect(exact).toEqual(bytes)
    return Either.getOrThrow(Either.flip(bytes!))
  }

  it("a key met twice decodes twice into the same field: null leaves a string, structs and maps merge", () => {
    expect(decoded(`{"config":{"rootfs":"a","ROOTFS":null}}`).config.rootfs).toBe("a")
    expect(decoded(`{"config":{"cgroups":{"path":"a"},"cgroups":{"name":"b"}}}`).config.cgroups)
      .toMatchObject({ path: "a", name: "b" })
    expect(decoded(`{"config":{"sysctl":{"a":"1"},"Sysctl":{"b":"2"}}}`).config.sysctl).toEqual({ a: "1", b: "2" })
    expect(decoded(`{"config":{"mounts":[{"source":"a","data":"d"}],"mounts":[{"source":"b"}]}}`).config.mounts?.[0])
      .toMatchObject({ source: "b", data: "d" })
    const cgroup = decoded(`{"config":{"cgroups":{"memory":5,"memory":null,"cpu_quota":-1}}}`).config.cgroups
    expect([cgroup?.Resources?.memory, cgroup?.Resources?.cpu_quota]).toEqual([5n, -1n])
    expect(decoded(`{"config":{"cgroups":{"path":"x","MEMORY":1},"cgroups":{"unified":{"a":"b"}}}}`).config.cgroups?.Resources)
      .toMatchObject({ memory: 1n, unified: { a: "b" } })
  })

  it("a slice met twice reuses its backing array: a null element keeps what an earlier, longer value left", () => {
    expect(decoded(`{"config":{"mask_paths":["a","b"],"mask_paths":["x"],"mask_paths":["y",null]}}`).config.mask_paths)
      .toEqual(["y", "b"])
  })

  it("the first mismatch in document order is the one reported", () => {
    expect(refused(`{"config":{"rootfs":1,"hostname":true}}`))
      .toBe("json: cannot unmarshal number into Go struct field Config.config.rootfs of type string")
    expect(refused(`{"config":{"hostname":true,"rootfs":1}}`))
      .toBe("json: cannot unmarshal bool into Go struct field Config.config.hostname of type string")
  })

  it("a time's own error ends decoding, whichever occurrence and whatever mismatch came first", () => {
    const bad = `parsing time "\\"x\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "x\\"" as "2006"`
    expect(refused(`{"created":"x","created":"2020-01-01T00:00:00Z"}`)).toBe(bad)
    expect(refused(`{"created":"2020-01-01T00:00:00Z","created":"x"}`)).toBe(bad)
    expect(refused(`{"init_process_pid":"1","created":"x"}`)).toBe(bad)
    expect(refused(`{"created":"\\u0032020-01-01T00:00:00Z"}`)).toBe(
      `parsing time "\\"\\\\u0032020-01-01T00:00:00Z\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "\\\\u0032020-01-01T00:00:00Z\\"" as "2006"`
    )
  })

  it("Hooks: each occurrence replaces the hooks; a mismatch inside is reported at the Hooks field", () => {
    expect(decoded(`{"config":{"Hooks":{"poststop":[{"path":"a"}]},"hooks":null}}`).config.Hooks).toEqual({})
    expect(refused(`{"config":{"Hooks":{"poststop":[{"path":"a"}]},"hooks":{"prestart":[{"path":1}]}}}`))
      .toBe("json: cannot unmarshal number into Go struct field Config.config.Hooks of type string")
    expect(refused(`{"config":{"hooKs":{"poststop":[{"timeout":"x"}]}}}`))
      .toBe("json: cannot unmarshal string into Go struct field Config.config.Hooks of type time.Duration")
    expect(refused(`{"config":{"Hooks":5}}`))
      .toBe("json: cannot unmarshal number into Go struct field Config.config.Hooks of type map[configs.HookName][]configs.CommandHook")
  })

  it("64-bit edges: uint64 up to 2^64 - 1 exactly, -0 refused for unsigned types, fractions and exponents refused", () => {
    expect(decoded(`{"init_process_start":18446744073709551615}`).init_process_start).toBe(18446744073709551615n)
    const limits = decoded(`{"config":{"rlimits":[{"hard":18446744073709551615,"soft":18446744073709551614}]}}`).config.rlimits
    expect(limits?.[0]).toMatchObject({ hard: 18446744073709551615n, soft: 18446744073709551614n })
    for (const [literal, type] of [["18446744073709551616", "uint64"], ["-0", "uint64"], ["1e2", "uint64"], ["1.0", "uint64"]]) {
      expect(refused(`{"init_process_start":${literal}}`))
        .toBe(`json: cannot unmarshal number ${literal} into Go struct field State.init_process_start of type ${type}`)
    }
    expect(refused(`{"init_process_pid":-0,"config":{"umask":-0}}`))
      .toBe("json: cannot unmarshal number -0 into Go struct field Config.config.umask of type uint32")
    expect(Object.is(decoded(`{"init_process_pid":-0}`).init_process_pid, 0)).toBe(true)
    expect(decoded(`{"config":{"cgroups":{"memory":-0}}}`).config.cgroups?.Resources?.memory).toBe(0n)
  })

  it("integers beyond 2^53 keep their literal on the fast path, ambiguous ones included", () => {
    const s = decoded(`{"init_process_start":18446744073709551614,"config":{"rlimits":[{"hard":18446744073709551615}]}}`)
    expect([s.init_process_start, s.config.rlimits?.[0]?.hard]).toEqual([18446744073709551614n, 18446744073709551615n])
    expect(refused(`{"init_process_pid":9007199254740993}`))
      .toBe("State.init_process_pid: number 9007199254740993 is beyond 2^53, not supported for Go type int")
  })

  it("strings as Go reads them: lone surrogate escapes are U+FFFD, invalid bytes are U+FFFD each", () => {
    expect(decoded(`{"id":"\\ud800\\udc00\\udfff"}`).id).toBe("\ud800\udc00\ufffd")
    const bytes = bytesOf(`{"id":"a\udce2\udc82b\udcff"}`)
    const r = decodeText(stateDecoder, bytes, "State")
    expect(r._tag === "Ok" && (r.value as State.State).id).toBe("a\ufffd\ufffdb\ufffd")
    const syntax = decodeText(stateDecoder, bytesOf(`{"id":\udcff}`), "State")
    expect(syntax._tag === "Syntax" && syntax.error.reason).toBe("invalid character 'ÿ' looking for beginning of value")
    const time = decodeText(stateDecoder, bytesOf(`{"created":"\udcff"}`), "State")
    expect(time._tag === "Failed" && time.failure.reason).toBe(
      `parsing time "\\"\\xff\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "\\xff\\"" as "2006"`
    )
  })

  it("map values: a number for a string is reported at the map (Go names no key), our path names the key", () => {
    const r = decodeText(stateDecoder, `{"namespace_paths":{"NEWNET":1}}`, "State")
    expect(r._tag === "Failed" && r.failure).toEqual({
      field: "namespace_paths.NEWNET",
      reason: "json: cannot unmarshal number into Go struct field State.namespace_paths of type string"
    })
  })
})

describe("the guard", () => {
  const fast = (doc: string): boolean => decodeFast(stateDecoder, doc, "State") !== undefined
  const runc = ["created", "running", "paused", "stopped"].map((s) =>
    readFileSync(new URL(`../../fixtures/runc-1.1.5/${s}.json`, import.meta.url), "utf8")
  )

  it("lets runc's files through (uint64s beyond 2^53 included), and this library's own", () => {
    for (const text of runc) expect(fast(text)).toBe(true)
    expect(fast(Either.getOrThrow(State.encodeJson(State.make({ id: "x" }))))).toBe(true)
    expect(fast(`{"config":{"labels":["a={\\"k\\":1.5,\\"b\\":[1.0]}"]}}`)).toBe(true)
    expect(fast(`{"config":{"mounts":[{"propagation_flags":[1,2]}]}}`)).toBe(true)
    expect(fast(`{"init_process_start":18446744073709551615,"x":"18446744073709551615"}`)).toBe(true)
  })

  it("sends to the exact path what JSON.parse's tree would lose", () => {
    for (const doc of [
      `{"id":"a","id":"b"}`,
      `{"config":{"mounts":[{"flags":1,"flags":2}]}}`,
      `{"init_process_pid":1.0}`,
      `{"init_process_pid" : 1e2 }`,
      `{"config":{"mounts":[{"propagation_flags":[1.0]}]}}`,
      `{"created":"\\u0032026-11-29T10:48:00Z"}`,
      `{"created":[1, 2]}`,
      `{"init_process_start":18446744073709551615,"x":18446744073709551614}`,
      `{"cgroup_paths":{"b":"x","0":"y"}}`,
      `{"id":"\\u0000"}`,
      `{"id":"\\ud800"}`,
      `{"id":"x"} trailing`,
      `\ufeff{}`
    ]) expect(fast(doc), doc).toBe(false)
  })
})

/**
 * The struct walk reads common values itself (`Decoder.inline`): a scalar
 * of the right kind, `null` of a nil-able field, without a call to the
 * field's decoder. On the fast path that shortcut runs; on the exact path
 * (`JsonNumber`s, `JsonObject`s) every value goes through the decoders. A
 * struct with a field of every kind that has an inline read, fed values of
 * every kind (edge integers, `-0`, fractions, nested values), keys in field
 * order (the walk's guess) or not, twice or once: both paths must agree.
 */
describe("inline reads of the struct walk", () => {
  it.prop(
    "fast path and exact path give the same value or the same failure",
    [probeDocument],
    ([doc]) => {
      expect(exactly(decodeText(Probe.decoder, doc, "Probe")), doc).toBe(exactly(decodeText(Probe.decoder, doc, "Probe", "exact")))
    },
    { fastCheck: { numRuns: 3000 } }
  )

  it("reads on the fast path what the decoders read: -0 as 0, null as the value already there", () => {
    const doc = `{"s":"a","b":true,"i":-0,"u":7,"i32":-5,"u32":4294967295,"u16":65535,"i64":-0,"u64":300,` +
      `"ps":null,"pi":null,"ss":null,"m":null,"t":"2026-11-29T10:47:59Z"}`
    const r = decodeFast(Probe.decoder, doc, "Probe")
    expect(r?._tag === "Ok" && render(r.value)).toBe(
      `{s="a",b=true,i=0,u=7,i32=-5,u32=4294967295,u16=65535,i64=0n,u64=300n,ps=null,ss=null,t="2026-11-29T10:47:59Z"}`
    )
    expect(exactly(decodeFast(Probe.decoder, `{"s":"","b":false,"i":0,"u":-0}`, "Probe")!))
      .toBe("failed u json: cannot unmarshal number -0 into Go struct field Probe.u of type uint")
    // a key met again in another case, where the walk's guess holds: null keeps what the first gave
    const again = decodeFast(Probe.decoder, `{"B":true,"s":"a","b":null}`, "Probe")
    expect(again?._tag === "Ok" && (again.value as { b: boolean }).b).toBe(true)
  })
})
