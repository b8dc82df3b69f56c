/**
 * The compact scan (`GoScan.ts`, each decoder's `scan`): wherever it takes
 * a document, it gives exactly what decoding the fast path's tree gives
 * (key order, number kinds and `-0` included, compared rendered); it takes
 * what runc writes; it stops at everything it does not read — and then
 * `decodeText` gives what the exact path gives.
 *
 * - runc 1.1.5's state files: taken;
 * - the 3,000 mutated documents of the Go 1.19.8 corpus, 1,000 more that
 *   fast-check mutates, states this library writes and probe documents of
 *   every field kind: taken ones equal the tree's value;
 * - one case per reason to stop, and the edges it reads (uint64s, `-0`,
 *   15- and 16-digit integers, unknown keys, an embedded struct).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { isAscii } from "node:buffer"
import { readFileSync } from "node:fs"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import {
  baseDocuments,
  bytesOf,
  documentOf,
  type Fixture,
  mutate,
  mutation
} from "../../../scripts/go-fixtures/decode-corpus.js"
import { type Decoder, decodeText, scanBytes, type TextDecoded } from "../../../src/internal/json/GoDecoder.js"
import { decoderOf } from "../../../src/internal/json/GoSchema.js"
import * as State from "../../../src/State.js"
import { outcomeOf, Probe, probeDocument, render } from "../../support/goProbe.js"

const stateDecoder = decoderOf(State.State)

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/go1.19/decode.json", import.meta.url), "utf8")
) as Fixture

const runcFile = (name: string): Uint8Array => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url))

/** An outcome in one line: the value rendered, or the failure. */
const outcome = (r: TextDecoded<unknown>): string => outcomeOf(r)

/**
 * Scans an ASCII document (what `decodeText` hands the scan): `"stopped"`,
 * or `"taken"` after checking the value is the tree's. Either way,
 * `decodeText` of the bytes must give what the exact path gives.
 */
const scan = <A>(bytes: Uint8Array, decoder: Decoder<A>): "stopped" | "taken" | "not ASCII" => {
  const guarded = outcome(decodeText(decoder, bytes, "Doc"))
  expect(guarded).toBe(outcome(decodeText(decoder, bytes, "Doc", "exact")))
  if (!isAscii(bytes)) return "not ASCII"
  const scanned = scanBytes(decoder, bytes, Buffer.from(bytes).toString("latin1"))
  if (scanned === undefined) return "stopped"
  expect(outcome(scanned)).toBe(outcome(decodeText(decoder, bytes, "Doc", "tree")))
  expect(guarded).toBe(outcome(scanned))
  return "taken"
}

const ascii = (text: string): Uint8Array => Buffer.from(text, "latin1")

describe("what runc writes", () => {
  it("runc 1.1.5's state files (every status) and the seed's are taken, with the tree's value", () => {
    for (const name of ["created", "running", "paused", "stopped"]) {
      expect(scan(runcFile(`runc-1.1.5/${name}.json`), stateDecoder), name).toBe("taken")
    }
    expect(scan(runcFile("seed/load-container.json"), stateDecoder)).toBe("taken")
  })

  it("the uint64 runc writes (a seccomp argument of 2^64 - 1) is exact", () => {
    const r = scanBytes(stateDecoder, runcFile("runc-1.1.5/running.json"), runcFile("runc-1.1.5/running.json").toString())
    expect(r?._tag === "Ok" && JSON.stringify(r.value, (_, v) => (typeof v === "bigint" ? String(v) : v)))
      .toContain(`"value":"18446744073709551615"`)
  })
})

describe("what a decoded state keeps", () => {
  setFlagsFromString("--expose-gc")
  const collect = runInNewContext("gc") as () => void
  /** Heap bytes kept per state by 300 states decoded from runc's file with `path`. */
  const keptPerState = (path: "guarded" | "tree"): number => {
    const bytes = runcFile("runc-1.1.5/running.json")
    collect()
    const before = process.memoryUsage().heapUsed
    const kept = Array.from({ length: 300 }, () => decodeText(stateDecoder, bytes, "State", path))
    collect()
    const after = process.memoryUsage().heapUsed
    expect(kept.every((r) => r._tag === "Ok")).toBe(true)
    return (after - before) / kept.length
  }

  it("about what the tree's state keeps: its strings do not keep the document's text alive", () => {
    // a string of 13 characters or more sliced from the text would keep all 6 KB of it (14 KB per state, not 7)
    const tree = keptPerState("tree")
    expect(keptPerState("guarded")).toBeLessThan(tree * 1.4)
  })
})

describe("against the tree", () => {
  it("the Go 1.19.8 corpus: every document it takes decodes as the tree decodes it, and it takes some hundred", () => {
    const counts = { taken: 0, stopped: 0, "not ASCII": 0 }
    for (const c of fixture.cases) counts[scan(bytesOf(documentOf(fixture.bases, c)), stateDecoder)]++
    expect(counts.taken).toBeGreaterThan(150)
    expect(counts.stopped).toBeGreaterThan(1000)
  })

  const bases = baseDocuments()

  /** Runs a property over `runs` documents; how many the scan took. */
  const takenOf = <T>(arbitrary: FastCheck.Arbitrary<T>, runs: number, check: (t: T) => ReturnType<typeof scan>): number => {
    let taken = 0
    FastCheck.assert(
      FastCheck.property(arbitrary, (t) => {
        if (check(t) === "taken") taken++
      }),
      { numRuns: runs }
    )
    return taken
  }

  it("mutated documents: taken ones decode as the tree decodes them", () => {
    const documents = FastCheck.tuple(FastCheck.nat({ max: bases.length - 1 }), mutation())
      .map(([base, { edits, text }]) => bytesOf(documentOf(bases, { base, edits: mutate(bases[base]!, edits, text) })))
    expect(takenOf(documents, 1000, (bytes) => scan(bytes, stateDecoder))).toBeGreaterThan(40)
  })

  it("states this library writes, their escaped or non-ASCII strings made plain: taken, with the tree's value", () => {
    let n = 0
    // each string literal with an escape or a non-ASCII character becomes a plain one of its own
    const plain = (text: string) => text.replace(/"(?:[^"\\]|\\.)*"/g, (literal) => /[\\\u0080-\uffff]/.test(literal) ? `"p${n++}"` : literal)
    const written = State.arbitrary().map((s) => plain(Either.getOrThrow(State.encodeJson(s))))
    expect(takenOf(written, 200, (text) => scan(Buffer.from(text), stateDecoder))).toBeGreaterThan(100)
  })

  it("probe documents (every field kind, edges, keys in any order and case, twice): the tree's value or stopped", () => {
    expect(takenOf(probeDocument, 3000, (doc) => scan(ascii(doc), Probe.decoder))).toBeGreaterThan(150)
  })

  it("a probe document in field order with plain values is taken, its scalars read as the tree reads them", () => {
    const doc = `{"s":"a","b":true,"i":-0,"u":7,"i32":-2147483648,"u32":4294967295,"u16":65535,"i64":-0,"u64":300,` +
      `"ps":null,"pi":null,"ss":null,"m":null,"t":"2026-11-29T10:47:59Z"}`
    expect(scan(ascii(doc), Probe.decoder)).toBe("taken")
    const r = scanBytes(Probe.decoder, ascii(doc), doc)
    expect(r?._tag === "Ok" && render(r.value)).toBe(
      `{s="a",b=true,i=0,u=7,i32=-2147483648,u32=4294967295,u16=65535,i64=0n,u64=300n,ps=null,ss=null,t="2026-11-29T10:47:59Z"}`
    )
  })
})

describe("where it stops, and what it reads", () => {
  it.each([
    ["the largest uint64", `{"init_process_start":18446744073709551615}`],
    ["-0 for a signed int", `{"init_process_pid":-0}`],
    ["15 and 16 digits", `{"init_process_pid":999999999999999,"init_process_start":1000000000000000}`],
    ["2^53 - 1", `{"init_process_pid":9007199254740991,"config":{"cgroups":{"cpu_quota":-9007199254740991}}}`],
    ["2^53 + 1 for a uint64, exactly", `{"init_process_start":9007199254740993}`],
    ["the smallest int64", `{"config":{"cgroups":{"cpu_quota":-9223372036854775808}}}`],
    ["one final newline", `{"id":"x"}\n`],
    ["an empty object", `{}`],
    ["unknown keys, nested values", `{"x":{"a":[1,{"b":null},-0,"s"],"c":true},"id":"y","z":[]}`],
    ["a key in another case, once", `{"ID":"x","Init_Process_Pid":3}`],
    ["keys out of field order", `{"rootless":true,"id":"x","init_process_pid":1}`],
    ["the embedded Resources", `{"config":{"cgroups":{"path":"/a","memory":5,"Systemd":true,"cpu_quota":-1}}}`],
    ["empty and null collections", `{"cgroup_paths":{},"namespace_paths":null,"external_descriptors":[],"config":{"mounts":[]}}`],
    ["null for a struct, a string, a number", `{"config":null,"id":null,"init_process_pid":null}`],
    ["Hooks, null hooks dropped", `{"config":{"Hooks":{"prestart":[{"path":"/x","args":["a"],"timeout":5}],"poststop":null}}}`]
  ])("takes %s", (_, doc) => {
    expect(scan(ascii(doc), stateDecoder)).toBe("taken")
  })

  it.each([
    ["whitespace between tokens", `{ "id":"x"}`],
    ["whitespace before a colon", `{"id" :"x"}`],
    ["whitespace after the value", `{"id":"x"} `],
    ["two final newlines", `{"id":"x"}\n\n`],
    ["an escape", `{"id":"a\\u0041"}`],
    ["an escaped quote", `{"id":"a\\"b"}`],
    ["a raw tab in a string", `{"id":"a\tb"}`],
    ["a raw newline in a string", `{"id":"a\nb"}`],
    ["a fraction", `{"init_process_pid":1.0}`],
    ["an exponent", `{"init_process_pid":1e2}`],
    ["a leading zero", `{"init_process_pid":01}`],
    ["a lone minus", `{"init_process_pid":-}`],
    ["a key met twice", `{"id":"a","id":"b"}`],
    ["a key met twice in another case", `{"id":"a","ID":"b"}`],
    ["an embedded key met twice", `{"config":{"cgroups":{"memory":1,"Memory":2}}}`],
    ["a map key met twice", `{"cgroup_paths":{"a":"x","a":"y"}}`],
    ["an integer-like map key", `{"cgroup_paths":{"b":"x","0":"y"}}`],
    ["a __proto__ map key", `{"cgroup_paths":{"__proto__":"x"}}`],
    ["null in a slice of pointers", `{"config":{"mounts":[null]}}`],
    ["deep nesting", `{"x":${"[".repeat(70)}${"]".repeat(70)}}`],
    ["trailing text", `{"id":"x"}x`],
    ["a null document", `null`],
    ["a truncated document", `{"id":"x"`],
    ["a trailing comma", `{"id":"x",}`],
    ["a misspelt literal", `{"rootless":tru}`],
    ["a type mismatch", `{"id":1}`],
    ["-0 for an unsigned int", `{"init_process_start":-0}`],
    ["beyond 2^53 for an int", `{"init_process_pid":9007199254740993}`],
    ["beyond 2^64 - 1", `{"init_process_start":18446744073709551616}`],
    ["a bad time", `{"created":"x"}`],
    ["a number for a time", `{"created":1}`],
    ["a mismatch inside Hooks", `{"config":{"Hooks":{"prestart":[{"path":1}]}}}`],
    ["an empty document", ``],
    ["a top-level array", `[]`]
  ])("stops at %s (and decodeText gives the exact path's answer)", (_, doc) => {
    expect(scan(ascii(doc), stateDecoder)).toBe("stopped")
  })
})
