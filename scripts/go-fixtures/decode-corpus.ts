/**
 * The corpus behind `test/fixtures/go1.19/decode.json`: state.json documents
 * — runc 1.1.5's, the seed's, and states this library writes — each mutated
 * by one to three edits aimed at where Go's `encoding/json` and a naive
 * reading part ways: number literals (`-0`, `1.0`, `1e2`, 2^53 ± k, 2^64 − 1,
 * 2^64, huge exponents), string escapes (`\u0000`, lone and paired
 * surrogates, escaped time texts), duplicate keys (merging structs and
 * maps, reusing slices), keys differing in case (Kelvin sign and long s
 * included), `__proto__` and integer-like keys, whitespace, invalid UTF-8
 * bytes, a byte order mark, deep nesting, truncation and trailing bytes.
 * Go's answers come from `main.go decode` (run with Go 1.19.8):
 *
 *   npx tsx scripts/go-fixtures/decode-corpus.ts documents > /tmp/corpus.jsonl
 *   (cd scripts/go-fixtures && go run . decode < /tmp/corpus.jsonl > /tmp/verdicts.jsonl)
 *   npx tsx scripts/go-fixtures/decode-corpus.ts fixture /tmp/verdicts.jsonl > test/fixtures/go1.19/decode.json
 *
 * The fixture keeps the base documents and, per case, its edits (offset,
 * length removed, text inserted) and Go's verdict: the error text, `null`,
 * or a digest of the state Go writes back. A lone surrogate U+DC80–U+DCFF
 * in a document stands for the invalid byte 0x80–0xFF ({@link bytesOf}).
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { type ExactValue, JsonNumber, JsonObject, parseExact, quote } from "../../src/internal/json/GoJson.js"
import * as State from "../../src/State.js"

const projectRoot = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..")

/** An edit of a text: at `offset`, remove `remove` characters and insert `insert` (a string, or nesting to expand). */
export type Edit = readonly [offset: number, remove: number, insert: string | Nest]

/** `open` × `times`, then `middle`, then `close` × `times`: deep nesting without storing it. */
export interface Nest {
  readonly open: string
  readonly middle: string
  readonly close: string
  readonly times: number
}

/** Go's answer for one document. */
export type Verdict =
  | { readonly error: string }
  | { readonly null: true }
  | { readonly value: string }
  | { readonly marshalError: string }

/** One case of the fixture: a base document, the edits made to it, Go's verdict. */
export interface Case {
  readonly base: number
  readonly edits: ReadonlyArray<Edit>
  readonly go: Verdict
}

/** The fixture file. */
export interface Fixture {
  readonly go: string
  readonly description: string
  readonly bases: ReadonlyArray<string>
  readonly cases: ReadonlyArray<Case>
}

const expand = (insert: string | Nest): string =>
  typeof insert === "string" ? insert : insert.open.repeat(insert.times) + insert.middle + insert.close.repeat(insert.times)

/** The document of a case: its base with its edits applied in order. */
export const documentOf = (bases: ReadonlyArray<string>, c: Pick<Case, "base" | "edits">): string => {
  let text = bases[c.base]!
  for (const [offset, remove, insert] of c.edits) text = text.slice(0, offset) + expand(insert) + text.slice(offset + remove)
  return text
}

/** A document's bytes: UTF-8, except that a lone surrogate U+DC80–U+DCFF is the single byte 0x80–0xFF. */
export const bytesOf = (doc: string): Uint8Array => {
  const out: Array<number> = []
  for (const ch of doc) {
    const cp = ch.codePointAt(0)!
    if (cp >= 0xdc80 && cp <= 0xdcff) out.push(cp - 0xdc00)
    else out.push(...Buffer.from(ch, "utf8"))
  }
  return Uint8Array.from(out)
}

/** The digest a fixture keeps of a state as Go writes it back. */
export const digest = (written: string): string => createHash("sha256").update(written).digest("hex").slice(0, 16)

// ---------------------------------------------------------------------------
// Documents as editable trees

/** A JSON value with its raw texts: object members keep their key's literal (whitespace included). */
type Node =
  | { readonly k: "o"; readonly m: Array<[key: string, value: Node]> }
  | { readonly k: "a"; readonly e: Array<Node> }
  | { readonly k: "s"; readonly raw: string }

const treeOf = (v: ExactValue, text: string, raw?: string): Node => {
  if (v instanceof JsonObject) {
    return { k: "o", m: v.keys.map((key, i) => [quote(key), treeOf(v.values[i]!, text, text.slice(v.spans[2 * i], v.spans[2 * i + 1]))]) }
  }
  if (Array.isArray(v)) return { k: "a", e: v.map((x) => treeOf(x, text)) }
  if (raw !== undefined) return { k: "s", raw }
  if (v instanceof JsonNumber) return { k: "s", raw: v.literal }
  return { k: "s", raw: typeof v === "string" ? quote(v) : String(v) }
}

const write = (n: Node): string => {
  switch (n.k) {
    case "o":
      return `{${n.m.map(([k, v]) => `${k}:${write(v)}`).join(",")}}`
    case "a":
      return `[${n.e.map(write).join(",")}]`
    case "s":
      return n.raw
  }
}

const parseTree = (text: string): Node => {
  const parsed = parseExact(text)
  if (Either.isLeft(parsed)) throw new Error(`base does not parse: ${parsed.left.reason}`)
  const tree = treeOf(parsed.right, text)
  if (write(tree) !== text) throw new Error("base does not write back to itself")
  return tree
}

/** A place in a tree: an object member or an array element. */
type Place =
  | { readonly k: "member"; readonly obj: Extract<Node, { k: "o" }>; readonly i: number }
  | { readonly k: "element"; readonly arr: Extract<Node, { k: "a" }>; readonly i: number }

const places = (n: Node, out: Array<Place> = []): Array<Place> => {
  if (n.k === "o") {
    n.m.forEach(([, v], i) => {
      out.push({ k: "member", obj: n, i })
      places(v, out)
    })
  } else if (n.k === "a") {
    n.e.forEach((v, i) => {
      out.push({ k: "element", arr: n, i })
      places(v, out)
    })
  }
  return out
}

const objects = (n: Node, out: Array<Extract<Node, { k: "o" }>> = []): Array<Extract<Node, { k: "o" }>> => {
  if (n.k === "o") {
    out.push(n)
    n.m.forEach(([, v]) => objects(v, out))
  } else if (n.k === "a") n.e.forEach((v) => objects(v, out))
  return out
}

const valueAt = (p: Place): Node => (p.k === "member" ? p.obj.m[p.i]![1] : p.arr.e[p.i]!)
const setAt = (p: Place, v: Node): void => {
  if (p.k === "member") p.obj.m[p.i] = [p.obj.m[p.i]![0], v]
  else p.arr.e[p.i] = v
}

const raw = (text: string): Node => ({ k: "s", raw: text })
const clone = (n: Node): Node => parseLoose(write(n))
const parseLoose = (text: string): Node => {
  const parsed = parseExact(text)
  return Either.isRight(parsed) ? treeOf(parsed.right, text) : raw(text)
}

/** Values on the edges of what Go accepts somewhere in a state. */
const interesting: ReadonlyArray<string> = [
  "null", "true", "false", `""`, `"x"`, `"FROZEN"`, `"NEWPID"`, `"0001-01-01T00:00:00Z"`,
  `"2024-02-29T23:59:59.123456789+01:00"`, `"2023-02-29T00:00:00Z"`, `"2026-11-29T10:48:00,5Z"`,
  `"\\u0032026-11-29T10:48:00Z"`, `"2026-11-29T10:48:00Z\\u0000"`, `"\\u0000"`, `"\\ud800"`, `"a\\udc00b"`,
  `"\\ud83d\\ude00"`, `"😀"`, `"é"`, `"\\u00e9"`, `"a\\"b"`, `"\\/x"`, `"\\u003c\\u0026"`, `"line\\nfeed"`,
  "0", "-0", "1", "-1", "1.0", "1e2", "1E2", "100e-2", "-0.0", "0e5", "1.5", "-1.5", "1e400", "-1e400", "1e-400",
  "255", "256", "65535", "65536", "2147483647", "2147483648", "-2147483648", "-2147483649",
  "4294967295", "4294967296", "9007199254740991", "9007199254740992", "9007199254740993",
  "-9007199254740993", "9007199254740995", "12345678901234567", "12345678901234568",
  "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
  "18446744073709551614", "18446744073709551615", "18446744073709551616", "18446744073709551615.0",
  "1844674407370955161500", "123456789012345678901234567890",
  "[]", "[null]", "[1]", "[1,null]", `["a",null,"b"]`, `[""]`, `[[]]`, `[{}]`, `[null,{}]`, `[{"path":"/x"},null]`,
  "{}", `{"path":"/x"}`, `{"PATH":null}`, `{"type":"NEWNET","Type":"NEWPID"}`, `{"a":1,"a":"x"}`,
  `{"__proto__":"x"}`, `{"0":"a","b":1}`, `{"b":1,"0":true}`, `{"poststop":[{"path":"p"}],"POSTSTOP":null}`,
  `{"poststop":[null]}`, `{"poststop":[{"timeout":"1s"}]}`, `{"poststop":[{"timeout":1.5}]}`,
  `{"memory":-1,"MEMORY":"x"}`, `{"hca_handles":1,"hca_objects":null}`, `{"x":{"hca_handles":-1}}`,
  `{"secs":5,"nanosecs":-0}`, `{"domain":1e1}`, `[1.0]`, `[-0]`, `["x",1]`
]

/** Field names the schemas know (keys to add), and a few they do not. */
const fieldNames: ReadonlyArray<string> = [
  "id", "init_process_pid", "init_process_start", "created", "config", "rootless", "cgroup_paths",
  "namespace_paths", "external_descriptors", "intel_rdt_path", "rootfs", "mounts", "devices", "hostname",
  "namespaces", "capabilities", "cgroups", "rlimits", "oom_score_adj", "sysctl", "seccomp", "Hooks",
  "labels", "intel_rdt", "time_offsets", "scheduler", "personality", "memory", "pids_limit", "rdma",
  "unified", "path", "name", "type", "major", "minor", "file_mode", "flags", "propagation_flags", "source",
  "destination", "uid_mappings", "hard", "soft", "args", "value", "timeout", "freezer", "cpu_burst",
  "Systemd", "owner_uid", "Bounding", "premount_cmds", "unknown", "__proto__", "0", "7"
]

const caseVariants = (key: string, how: number): string => {
  const bare = JSON.parse(key) as string
  switch (how % 7) {
    case 0:
      return quote(bare.toUpperCase())
    case 1:
      return quote(bare.charAt(0).toUpperCase() + bare.slice(1))
    case 2:
      return quote(bare.replace(/k/g, "\u212a").replace(/s/g, "\u017f"))
    case 3:
      return `"${bare.replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}"`
    case 4:
      return `${key} `
    case 5:
      return quote(`${bare}_`)
    default:
      return quote(bare.replace(/_/g, ""))
  }
}

/** One edit of a tree, chosen by numbers fast-check draws. */
type TreeEdit = readonly [kind: number, at: number, pick: number]

const applyTreeEdit = (tree: Node, [kind, at, pick]: TreeEdit): Node => {
  const all = places(tree)
  const objs = objects(tree)
  const place = all[at % Math.max(1, all.length)]
  const obj = objs[at % Math.max(1, objs.length)]
  const value = (): Node => parseLoose(interesting[pick % interesting.length]!)
  switch (kind % 12) {
    case 0:
    case 1:
      if (place !== undefined) setAt(place, value())
      return tree
    case 2:
      // a duplicate key: the same member again, with another value, right after it or at the end
      if (place?.k === "member") {
        const [key, v] = place.obj.m[place.i]!
        const again: Node = pick % 3 === 0 ? clone(v) : pick % 3 === 1 ? value() : shorter(v)
        place.obj.m.splice(pick % 2 === 0 ? place.i + 1 : place.obj.m.length, 0, [key, again])
      }
      return tree
    case 3:
      if (place?.k === "member") place.obj.m[place.i] = [caseVariants(place.obj.m[place.i]![0], pick), place.obj.m[place.i]![1]]
      return tree
    case 4:
      if (obj !== undefined) obj.m.splice(pick % (obj.m.length + 1), 0, [quote(fieldNames[pick % fieldNames.length]!), value()])
      return tree
    case 5:
      if (place?.k === "member") place.obj.m.splice(place.i, 1)
      else if (place?.k === "element") place.arr.e.splice(place.i, 1)
      return tree
    case 6:
      // a number written another way
      if (place !== undefined) {
        const v = valueAt(place)
        if (v.k === "s" && /^-?\d+$/.test(v.raw)) {
          const forms = [`${v.raw}.0`, `${v.raw}e0`, `${v.raw}E+0`, `-${v.raw}`, `${v.raw}0`, `0${v.raw}`, ` ${v.raw} `]
          setAt(place, raw(forms[pick % forms.length]!))
        } else setAt(place, value())
      }
      return tree
    case 7:
      // a string with an escape or an invalid byte in it
      if (place !== undefined) {
        const v = valueAt(place)
        if (v.k === "s" && v.raw.startsWith("\"") && v.raw.length > 2) {
          const inner = v.raw.slice(1, -1)
          const cut = 1 + (pick % inner.length)
          const inserts = ["\\u0000", "\\ud800", "\\udfff", "\\ud83d\\ude00", "\\/", "\\u0041", "\udcff", "\udce2\udc82", "\udcc0\udcaf", "\ufffd", "\u2028"]
          setAt(place, raw(`"${inner.slice(0, cut)}${inserts[pick % inserts.length]}${inner.slice(cut)}"`))
        } else setAt(place, value())
      }
      return tree
    case 8:
      // a slice or map value duplicated shorter (Go reuses the backing array, merges maps)
      if (place?.k === "member") {
        const [key, v] = place.obj.m[place.i]!
        place.obj.m.splice(place.i + 1, 0, [key, shorter(v)], ...(pick % 2 === 0 ? [[key, clone(v)] as [string, Node]] : []))
      }
      return tree
    case 9:
      // whitespace Go skips, in a place a writer would not put it
      if (place?.k === "member") {
        const ws = [" ", "\n", "\t", "\r\n  "][pick % 4]!
        place.obj.m[place.i] = [place.obj.m[place.i]![0] + ws, raw(ws + write(place.obj.m[place.i]![1]) + ws)]
      }
      return tree
    case 10:
      // deep nesting under an unknown key: at, just below or just past Go's limit of 10,000
      if (obj !== undefined && pick % 10 === 0) {
        const depth = [9_990, 9_998, 9_999, 10_000, 10_001][Math.floor(pick / 10) % 5]!
        obj.m.push([`"nest${pick}"`, raw(`\u27e6nest:${depth}\u27e7`)])
      }
      return tree
    default:
      if (place !== undefined) setAt(place, value())
      return tree
  }
}

/** The same value with fewer elements or members (a nil-ish element in a slice, sometimes). */
const shorter = (v: Node): Node => {
  if (v.k === "a") return { k: "a", e: v.e.slice(0, Math.max(0, v.e.length - 1)).concat(v.e.length > 2 ? [raw("null")] : []) }
  if (v.k === "o") return { k: "o", m: v.m.slice(0, Math.max(1, v.m.length >> 1)) }
  return v
}

/** The edits turning `before` into `after`: one splice, with nesting kept as {@link Nest}. */
const diff = (before: string, after: string): Array<Edit> => {
  let start = 0
  while (start < before.length && start < after.length && before[start] === after[start]) start++
  let end = 0
  while (
    end < before.length - start && end < after.length - start &&
    before[before.length - 1 - end] === after[after.length - 1 - end]
  ) end++
  const insert = after.slice(start, after.length - end)
  const nest = /\u27e6nest:(\d+)\u27e7/.exec(insert)
  if (nest === null) return [[start, before.length - end - start, insert]]
  const times = Number(nest[1])
  return [
    [start, before.length - end - start, insert.slice(0, nest.index)],
    [start + nest.index, 0, { open: "[", middle: "", close: "]", times }],
    [start + nest.index + 2 * times, 0, insert.slice(nest.index + nest[0].length)]
  ].filter(([, remove, ins]) => remove !== 0 || ins !== "") as unknown as Array<Edit>
}

/** Edits on the text itself: truncation, a byte order mark, bytes after the value, another document. */
const textEdit = (text: string, pick: number): Edit => {
  switch (pick % 6) {
    case 0:
      return [(pick * 7919) % text.length, text.length, ""]
    case 1:
      return [0, 0, "\ufeff"]
    case 2:
      return [text.length, 0, [" ", "x", "\u0000\u0000", "}", " {\"id\":1}"][pick % 5]!]
    case 3:
      return [0, text.length, ["null", " null ", "[]", "5", "\"x\"", "", " ", "{}", "true"][pick % 9]!]
    case 4:
      return [(pick * 104729) % text.length, 1, ""]
    default:
      return [(pick * 7919) % text.length, 0, ["\udcff", "\u0000", "\\", "\"", ",", "{"][pick % 6]!]
  }
}

const bases = (): Array<string> => {
  const fixture = (name: string) => readFileSync(join(projectRoot, "test", "fixtures", name), "utf8")
  const written = FastCheck.sample(State.arbitrary(), { numRuns: 40, seed: 1105 })
    .map((s) => Either.getOrThrow(State.encodeJson(s)))
    .filter((t) => t.length < 4000)
    .slice(0, 4)
  return [fixture("runc-1.1.5/running.json"), fixture("runc-1.1.5/stopped.json"), fixture("seed/load-container.json"), ...written]
}

/**
 * A base document with tree edits made to it (`edits`: numbers fast-check
 * drew, read by {@link applyTreeEdit}), then maybe one edit of the text as a
 * whole: the edits that make the document from the base.
 */
export const mutate = (
  base: string,
  edits: ReadonlyArray<readonly [number, number, number]>,
  text: number | undefined
): Array<Edit> => {
  let tree = parseTree(base)
  let before = base
  const out: Array<Edit> = []
  for (const e of edits) {
    tree = applyTreeEdit(tree, e)
    const after = write(tree)
    const step = diff(before, after)
    out.push(...step)
    before = after
    // offsets past an expanded nesting would not be those of `before`: it is the last edit
    if (step.some(([, , insert]) => typeof insert !== "string")) return out
  }
  if (text !== undefined) out.push(textEdit(before, text))
  return out
}

/** Draws of {@link mutate}'s arguments: one to three tree edits, and one document in eight also edited as a whole. */
export const mutation = (): FastCheck.Arbitrary<{
  readonly edits: ReadonlyArray<readonly [number, number, number]>
  readonly text: number | undefined
}> => {
  const any = FastCheck.noBias(FastCheck.nat({ max: 1_000_000 }))
  return FastCheck.record({
    edits: FastCheck.array(FastCheck.tuple(any, any, any), { minLength: 1, maxLength: 3 }),
    text: FastCheck.tuple(FastCheck.noBias(FastCheck.nat({ max: 7 })), any)
      .map(([chance, pick]) => (chance === 0 ? pick : undefined))
  })
}

/** The base documents: runc 1.1.5's, the seed's, and four states this library wrote. */
export const baseDocuments = (): Array<string> => bases()

/** The cases, without verdicts: `count` mutated documents from a fixed seed. */
const corpus = (count: number): { readonly bases: ReadonlyArray<string>; readonly cases: ReadonlyArray<Omit<Case, "go">> } => {
  const texts = bases()
  const drawn = FastCheck.sample(
    FastCheck.tuple(FastCheck.noBias(FastCheck.nat({ max: texts.length - 1 })), mutation()),
    { numRuns: count, seed: 1909 }
  )
  return { bases: texts, cases: drawn.map(([base, { edits, text }]) => ({ base, edits: mutate(texts[base]!, edits, text) })) }
}

const caseCount = 3000

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]

if (invokedDirectly) {
  const [mode, verdictsPath] = process.argv.slice(2)
  const { bases: texts, cases } = corpus(caseCount)
  if (mode === "documents") {
    for (const c of cases) process.stdout.write(JSON.stringify({ doc: Buffer.from(bytesOf(documentOf(texts, c))).toString("base64") }) + "\n")
  } else if (mode === "fixture" && verdictsPath !== undefined) {
    const verdicts = readFileSync(verdictsPath, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
    if (verdicts.length !== cases.length) throw new Error(`${verdicts.length} verdicts for ${cases.length} cases`)
    const fixture: Fixture = {
      go: "go1.19.8",
      description: "scripts/go-fixtures/decode-corpus.ts: mutated state.json documents and what runc's json.NewDecoder(f).Decode(&state) gives for each with Go 1.19.8, into the mirror types of scripts/go-fixtures (this library's fields): the error, null, or a digest of json.Marshal of the state",
      bases: texts,
      cases: cases.map((c, i) => {
        const v = verdicts[i]!
        const go: Verdict = typeof v["error"] === "string"
          ? { error: v["error"] }
          : v["null"] === true
          ? { null: true }
          : typeof v["value"] === "string"
          ? { value: digest(v["value"]) }
          : { marshalError: String(v["marshalError"]) }
        return { ...c, go }
      })
    }
    process.stdout.write(JSON.stringify(fixture) + "\n")
  } else {
    process.stderr.write("usage: decode-corpus.ts documents | fixture <verdicts.jsonl>\n")
    process.exit(2)
  }
}
