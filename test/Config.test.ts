import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import * as Config from "../src/Config.js"
import { JsonDecodeError } from "../src/ContainerError.js"

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")
const decode = (text: string) => Either.getOrThrow(Config.decodeJson(text))
const encode = (config: Config.Config) => Either.getOrThrow(Config.encodeJson(config))
const failure = (text: string) => Either.getOrThrow(Either.flip(Config.decodeJson(text)))

// spec/vectors/factory-tests.md §8
const H = `{"path":"/var/vcap/hooks/hook","args":["--pid=123"],"env":["FOO=BAR"],"dir":"/var/vcap","timeout":1000000000}`
const command: Config.CommandHook = {
  path: "/var/vcap/hooks/hook",
  args: ["--pid=123"],
  env: ["FOO=BAR"],
  dir: "/var/vcap",
  timeout: 1_000_000_000n
}

describe("Config JSON, byte for byte with the seed (config.md §13)", () => {
  it("writes the empty config exactly", () => {
    expect(encode(Config.make())).toBe(fixture("seed/empty-config.json"))
  })

  it("reads and rewrites the empty config exactly", () => {
    const text = fixture("seed/empty-config.json")
    expect(encode(decode(text))).toBe(text)
  })

  it("writes a cgroup with empty resources inlined", () => {
    const cgroups = Config.makeCgroup({ Resources: Config.makeResources() })
    const text = encode(Config.make({ cgroups }))
    expect(text).toContain(`"cgroups":${fixture("seed/cgroup-empty-resources.json")}`)
  })

  it("writes a cgroup without resources with none of their keys", () => {
    const text = encode(Config.make({ cgroups: Config.makeCgroup() }))
    expect(text).toContain(`"cgroups":{"path":"","scope_prefix":"","Systemd":false,"Rootless":false}`)
  })

  it("reads Resources as present only when one of its keys is", () => {
    expect(decode(`{"cgroups":{"path":"/x"}}`).cgroups?.Resources).toBeUndefined()
    const withOne = decode(`{"cgroups":{"path":"/x","MEMORY":1024}}`).cgroups?.Resources
    expect(withOne?.memory).toBe(1024n)
    expect(withOne?.cpu_burst).toBeNull()
  })

  it("writes a device like the seed", () => {
    const text = encode(Config.make({
      devices: [{ type: 99, major: 1n, minor: 3n, permissions: "rwm", allow: true, path: "/dev/null", file_mode: 438, uid: 0, gid: 0 }]
    }))
    expect(text).toContain(
      `"devices":[{"type":99,"major":1,"minor":3,"permissions":"rwm","allow":true,"path":"/dev/null","file_mode":438,"uid":0,"gid":0}]`
    )
  })

  it("writes namespaces with both keys", () => {
    expect(encode(Config.make({ namespaces: [{ type: "NEWNET", path: "/proc/1/ns/net" }] })))
      .toContain(`"namespaces":[{"type":"NEWNET","path":"/proc/1/ns/net"}]`)
  })
})

describe("Hooks (factory-tests.md §8)", () => {
  for (const name of Config.hookNames) {
    it(`UnmarshalHooks: ${name}`, () => {
      expect(decode(`{"Hooks":{"${name}" :[${H}]}}`).Hooks).toEqual({ [name]: [command] })
    })
  }

  it("UnmarshalHooksWithInvalidData", () => {
    expect(Either.isLeft(Config.decodeJson(`{"Hooks":{invalid-json}}`))).toBe(true)
  })

  it("MarshalHooks", () => {
    const hooks = Object.fromEntries(Config.hookNames.map((n) => [n, [command]]))
    expect(encode(Config.make({ Hooks: hooks }))).toContain(
      `"Hooks":{"createContainer":[${H}],"createRuntime":[${H}],"poststart":[${H}],"poststop":[${H}],"prestart":[${H}],"startContainer":[${H}]}`
    )
  })

  it("MarshalUnmarshalHooks", () => {
    const hooks = Object.fromEntries(Config.hookNames.map((n) => [n, [command]]))
    expect(decode(encode(Config.make({ Hooks: hooks }))).Hooks).toEqual(hooks)
  })

  it("keeps unknown and case-variant names verbatim when decoding, and drops empty ones", () => {
    const hooks = decode(
      `{"Hooks":{"foo":[{"path":"x"}],"poststop":[],"prestart":null,"Poststart":[{"path":"y"}]}}`
    ).Hooks
    expect(Object.keys(hooks ?? {}).sort()).toEqual(["Poststart", "foo"])
  })

  it("writes only the six known names, with Go's escaping and nanosecond timeouts", () => {
    const text = encode(Config.make({
      Hooks: { poststop: [{ path: "/a<b>&", args: null, env: null, dir: "", timeout: 1_500_000_000n }], foo: [command] }
    }))
    expect(text).toContain(
      `"poststop":[{"path":"/a\\u003cb\\u003e\\u0026","args":null,"env":null,"dir":"","timeout":1500000000}]`
    )
    expect(text).not.toContain("foo")
  })

  it("tells a missing Hooks key (nil) from a null or empty one (present)", () => {
    expect(decode(`{}`).Hooks).toBeUndefined()
    expect(decode(`{"Hooks":null}`).Hooks).toEqual({})
    expect(decode(`{"Hooks":{}}`).Hooks).toEqual({})
  })
})

describe("Go decoding rules", () => {
  it("matches keys case-insensitively, exact match first, last duplicate winning", () => {
    expect(decode(`{"ROOTFS":"/a"}`).rootfs).toBe("/a")
    expect(decode(`{"rootfs":"/a","RootFS":"/b"}`).rootfs).toBe("/b")
    expect(decode(`{"hoo\u212as":{"poststop":[{"path":"k"}]}}`).Hooks?.["poststop"]?.[0]?.path).toBe("k")
  })

  it("ignores unknown keys, reads null and missing as zero", () => {
    const c = decode(`{"premount_cmds":[1],"hostname":null,"mounts":null,"umask":null}`)
    expect(c.hostname).toBe("")
    expect(c.mounts).toBeNull()
    expect(c.umask).toBeNull()
  })

  it("keeps uint64 values beyond 2^53 exactly", () => {
    const text = `{"rlimits":[{"type":7,"hard":18446744073709551615,"soft":18446744073709551614}]}`
    const c = decode(text)
    expect(c.rlimits?.[0]?.hard).toBe(18446744073709551615n)
    expect(encode(c)).toContain(`"rlimits":[{"type":7,"hard":18446744073709551615,"soft":18446744073709551614}]`)
  })

  it("omits empty omitempty fields, whatever the input said", () => {
    const text = encode(decode(`{"rlimits":[],"rootless_euid":false,"apparmor_profile":"","time_offsets":{}}`))
    for (const key of ["rlimits", "rootless_euid", "apparmor_profile", "time_offsets"]) expect(text).not.toContain(key)
  })

  it("keeps an empty omitempty slice or map present when read, as Go's non-nil value", () => {
    const c = decode(`{"time_offsets":{},"rlimits":[],"rootless_euid":false}`)
    expect(c.time_offsets).toEqual({})
    expect(c.rlimits).toEqual([])
    expect("rootless_euid" in c).toBe(false)
    expect("time_offsets" in decode(`{}`)).toBe(false)
  })

  it("writes omitempty pointers when present, even when zero", () => {
    const text = encode(Config.make({ intel_rdt: {}, oom_score_adj: 0 }))
    expect(text).toContain(`"intel_rdt":{}`)
    expect(text).toContain(`"oom_score_adj":0`)
  })

  it("sorts map keys by bytes", () => {
    const text = encode(Config.make({ sysctl: { "net.b": "1", "kernel.a": "2", "Z": "3" } }))
    expect(text).toContain(`"sysctl":{"Z":"3","kernel.a":"2","net.b":"1"}`)
  })
})

describe("decode failures are typed and name the field", () => {
  // Go 1.19's texts: the innermost struct, then the JSON field names from the top (no slice index);
  // `field` is ours and keeps the index.
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    [`{"cgroups":{"memory":"x"}}`, "cgroups.memory", "json: cannot unmarshal string into Go struct field Cgroup.cgroups.memory of type int64"],
    [`{"rlimits":[{"hard":-1}]}`, "rlimits[0].hard", "json: cannot unmarshal number -1 into Go struct field Rlimit.rlimits.hard of type uint64"],
    [`{"umask":1.5}`, "umask", "json: cannot unmarshal number 1.5 into Go struct field Config.umask of type uint32"],
    [`{"parent_death_signal":1e3}`, "parent_death_signal", "json: cannot unmarshal number 1e3 into Go struct field Config.parent_death_signal of type int"],
    [`{"devices":[{"file_mode":4294967296}]}`, "devices[0].file_mode", "json: cannot unmarshal number 4294967296 into Go struct field Device.devices.file_mode of type fs.FileMode"],
    [`{"labels":{"a":1}}`, "labels", "json: cannot unmarshal object into Go struct field Config.labels of type []string"],
    [`{"mounts":[null]}`, "mounts[0]", "Config.mounts[0]: null is not allowed here (Go type configs.Mount)"],
    [`{"parent_death_signal":9007199254740993}`, "parent_death_signal", "Config.parent_death_signal: number 9007199254740993 is beyond 2^53, not supported for Go type int"],
    [`{"sysctl":{"__proto__":"x"}}`, "sysctl", `Config.sysctl: map key "__proto__" is not supported`],
    [`[]`, "", "json: cannot unmarshal array into Go value of type configs.Config"],
    [`null`, "", "Config document is null"],
    [``, "", "EOF"],
    [`{"rootfs":`, "", "unexpected EOF"]
  ]
  for (const [text, field, reason] of cases) {
    it(text === "" ? "(empty)" : text, () => {
      const e = failure(text)
      expect(e).toBeInstanceOf(JsonDecodeError)
      expect(e._tag).toBe("JsonDecodeError")
      expect(e.field).toBe(field)
      expect(e.message).toBe(reason)
    })
  }
})

describe("properties", () => {
  it.prop("any config round-trips: decode(encode(c)) equals c", [Config.arbitrary()], ([c]) => {
    const text = encode(c)
    expect(decode(text)).toEqual(c)
    expect(encode(decode(text))).toBe(text)
  }, { fastCheck: { numRuns: 60 } })

  it.prop("any string or byte sequence fails with a typed error, never a throw", [
    FastCheck.oneof(
      FastCheck.string({ unit: "binary", maxLength: 200 }),
      FastCheck.json({ maxDepth: 4 }),
      FastCheck.uint8Array({ maxLength: 200 })
    )
  ], ([input]) => {
    const r = Config.decodeJson(input)
    if (Either.isLeft(r)) expect(r.left).toBeInstanceOf(JsonDecodeError)
  }, { fastCheck: { numRuns: 300 } })

  it.prop("mutated real configs only ever fail with typed errors", [
    FastCheck.tuple(FastCheck.nat(), FastCheck.string({ maxLength: 4 }))
  ], ([[at, insert]]) => {
    const text = readFileSync(new URL("./fixtures/runc-1.1.5/running.json", import.meta.url), "utf8")
    const cut = at % text.length
    const mutated = text.slice(0, cut) + insert + text.slice(cut + 1)
    const r = Config.decodeJson(mutated)
    if (Either.isLeft(r)) expect(r.left).toBeInstanceOf(JsonDecodeError)
  }, { fastCheck: { numRuns: 200 } })
})
