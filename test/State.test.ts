import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import { JsonDecodeError } from "../src/ContainerError.js"
import * as State from "../src/State.js"

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")
const decode = (text: string | Uint8Array) => Either.getOrThrow(State.decodeJson(text))
const encode = (state: State.State) => Either.getOrThrow(State.encodeJson(state))
const failure = (text: string) => Either.getOrThrow(Either.flip(State.decodeJson(text)))

describe("state.json written by the seed (factory-tests.md §2)", () => {
  const text = fixture("seed/load-container.json")

  it("decodes with the test's expectations", () => {
    const s = decode(text)
    expect(s.id).toBe("")
    expect(s.init_process_pid).toBe(1024)
    expect(s.config.rootfs).toBe("/mycontainer/root")
    expect(Object.keys(s.config.Hooks ?? {}).sort()).toEqual(["poststart", "poststop", "prestart"])
    expect(s.config.Hooks?.["poststop"]).toEqual([{ path: "poststop-hook", args: null, env: null, dir: "", timeout: null }])
    expect(s.config.cgroups?.Resources).toBeDefined()
    expect(s.cgroup_paths).toBeNull()
  })

  it("re-encodes to the identical bytes", () => {
    expect(encode(decode(text))).toBe(text)
  })
})

describe("state.json written by runc 1.1.5 on this kind of host", () => {
  for (const status of ["created", "running", "paused", "stopped"] as const) {
    const text = fixture(`runc-1.1.5/${status}.json`)

    it(`${status}: decode → encode → decode is the identity`, () => {
      const once = decode(text)
      expect(decode(encode(once))).toEqual(once)
    })

    it(`${status}: reads the fields runc 1.1.5 wrote`, () => {
      const s = decode(text)
      const raw = JSON.parse(text)
      expect(s.id).toBe(`fixture-${status}`)
      expect(s.init_process_pid).toBe(raw.init_process_pid)
      expect(s.init_process_start).toBe(BigInt(raw.init_process_start))
      expect(s.created).toBe(raw.created)
      expect(s.cgroup_paths).toEqual(raw.cgroup_paths)
      expect(s.namespace_paths).toEqual(raw.namespace_paths)
      expect(s.external_descriptors).toEqual(raw.external_descriptors)
      const arg = s.config.seccomp?.syscalls?.[0]?.args?.[0]
      expect(arg?.value).toBe(18446744073709551615n)
      expect(text).toContain(`"value":18446744073709551615`)
      expect(s.config.labels).toContain("bundle=/run/fixture/bundle")
    })

    it(`${status}: what we write differs from 1.1.5's file only by the keys the seed added or dropped`, () => {
      const ours = JSON.parse(encode(decode(text)))
      const theirs = JSON.parse(text)
      expect(Object.keys(ours)).toEqual(Object.keys(theirs))
      for (const m of theirs.config.mounts) {
        delete m.premount_cmds
        delete m.postmount_cmds
        m.cleared_flags = 0
      }
      theirs.config.domainname = ""
      theirs.config.seccomp.flags = null
      Object.assign(theirs.config.cgroups, { cpu_burst: null, memory_check_before_update: false })
      expect(sortKeys(ours)).toEqual(sortKeys(theirs))
    })
  }
})

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v !== null && typeof v === "object"
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]))
    : v

describe("decode failures", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    [``, "EOF"],
    [`{"id":"x","init_process_pid":`, "unexpected EOF"],
    [`null`, "State document is null"],
    [`{"init_process_pid":"1"}`, "json: cannot unmarshal string into Go struct field State.init_process_pid of type int"],
    [`{"init_process_start":-5}`, "json: cannot unmarshal number -5 into Go struct field State.init_process_start of type uint64"],
    [`{"init_process_pid":18446744073709551615}`, "json: cannot unmarshal number 18446744073709551615 into Go struct field State.init_process_pid of type int"],
    [`{"created":"yesterday"}`, `parsing time "\\"yesterday\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "yesterday\\"" as "2006"`],
    [`{"created":5}`, `parsing time "5" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "5" as "\\""`],
    // Go stops at the time's own error: it wins over a type mismatch met before it
    [`{"init_process_pid":"1","created":"x"}`, `parsing time "\\"x\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "x\\"" as "2006"`],
    [`{"config":{"cgroups":{"memory":true}}}`, "json: cannot unmarshal bool into Go struct field Cgroup.config.cgroups.memory of type int64"],
    [`{"cgroup_paths":[]}`, "json: cannot unmarshal array into Go struct field State.cgroup_paths of type map[string]string"]
  ]
  for (const [text, reason] of cases) {
    it(text === "" ? "(empty)" : text, () => {
      const e = failure(text)
      expect(e).toBeInstanceOf(JsonDecodeError)
      expect(e.message).toBe(reason)
    })
  }

  it("reads invalid UTF-8 as U+FFFD, as Go does", () => {
    const bytes = Buffer.concat([Buffer.from(`{"id":"a`), Buffer.from([0xff, 0xfe]), Buffer.from(`b"}`)])
    expect(decode(bytes).id).toBe("a\uFFFD\uFFFDb")
  })

  it("ignores trailing garbage after the document, as Go does", () => {
    expect(decode(`{"id":"x"}\x00\x00garbage`).id).toBe("x")
  })
})

describe("properties", () => {
  it.prop("any state round-trips: decode(encode(s)) equals s", [State.arbitrary()], ([s]) => {
    const text = encode(s)
    expect(decode(text)).toEqual(s)
    expect(encode(decode(text))).toBe(text)
  }, { fastCheck: { numRuns: 50 } })

  it.prop("any string or bytes fail with a typed error, never a throw", [
    FastCheck.oneof(
      FastCheck.string({ unit: "binary", maxLength: 200 }),
      FastCheck.json({ maxDepth: 4 }),
      FastCheck.uint8Array({ maxLength: 200 })
    )
  ], ([input]) => {
    const r = State.decodeJson(input)
    if (Either.isLeft(r)) expect(r.left).toBeInstanceOf(JsonDecodeError)
  }, { fastCheck: { numRuns: 300 } })
})
