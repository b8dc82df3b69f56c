import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schema from "effect/Schema"
import * as Config from "../../../src/Config.js"
import {
  allowedDevices,
  createLibcontainerConfig,
  hostIdOf,
  MS,
  parseMountOptions,
  specVersion
} from "../../../src/internal/specconv/convert.js"
import { SpecInvalid } from "../../../src/internal/specconv/errors.js"
import { initProcess } from "../../../src/internal/specconv/process.js"
import * as Spec from "../../../src/internal/specconv/spec.js"
import { checkPropertyName } from "../../../src/internal/specconv/systemd.js"

const base = (fields: Partial<Spec.Spec> = {}): Spec.Spec => ({
  ociVersion: "1.0.2-dev",
  root: { path: "rootfs" },
  process: { user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh"] },
  ...fields
})

const options = { bundle: "/b", cgroupName: "ctr" }

const convert = (spec: Spec.Spec, more: Partial<Parameters<typeof createLibcontainerConfig>[1]> = {}) =>
  Effect.runSync(Effect.either(createLibcontainerConfig(spec, { ...options, ...more })))

const converted = (spec: Spec.Spec, more: Partial<Parameters<typeof createLibcontainerConfig>[1]> = {}) =>
  Either.getOrThrow(convert(spec, more))

const refusal = (spec: Spec.Spec, more: Partial<Parameters<typeof createLibcontainerConfig>[1]> = {}) =>
  Either.getOrThrow(Either.flip(convert(spec, more))).message

describe("parseMountOptions", () => {
  it("sets and clears flags in option order, the last word winning", () => {
    expect(parseMountOptions(["ro", "rw"]).flags).toBe(0)
    expect(parseMountOptions(["rw", "ro"]).flags).toBe(MS.RDONLY)
    expect(parseMountOptions(["nosuid", "nodev", "noexec", "rbind"]).flags).toBe(
      MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.BIND | MS.REC
    )
  })

  it("keeps unknown words, and words with a zero flag, as data", () => {
    const m = parseMountOptions(["mode=755", "defaults", "", "size=1m", "RO"])
    expect(m.data).toBe("mode=755,defaults,,size=1m,RO")
    expect(m.flags).toBe(0)
  })

  it("collects propagation flags in order, null when there are none", () => {
    expect(parseMountOptions(["rprivate", "shared"]).propagation_flags).toEqual([MS.PRIVATE | MS.REC, MS.SHARED])
    expect(parseMountOptions(["ro"]).propagation_flags).toBeNull()
  })

  it("builds recursive attributes with MOUNT_ATTR__ATIME cleared for an atime mode", () => {
    expect(parseMountOptions(["rro", "rnoatime"]).rec_attr).toEqual({ Attr_set: 0x11n, Attr_clr: 0x70n, Propagation: 0n, Userns_fd: 0n })
    expect(parseMountOptions(["rrelatime"]).rec_attr).toEqual({ Attr_set: 0n, Attr_clr: 0x70n, Propagation: 0n, Userns_fd: 0n })
    // clearing relatime clears nothing: no attribute at all
    expect(parseMountOptions(["rnorelatime"]).rec_attr).toBeNull()
  })

  it("reads tmpcopyup as the copy-up extension", () => {
    expect(parseMountOptions(["tmpcopyup"]).extensions).toBe(1)
  })
})

describe("createLibcontainerConfig", () => {
  it("resolves a relative rootfs against the bundle and records the bundle label last", () => {
    const config = converted(base({ annotations: { b: "2", a: "1=x" } }))
    expect(config.rootfs).toBe("/b/rootfs")
    expect(config.labels).toEqual(["a=1=x", "b=2", "bundle=/b"])
    expect(config.version).toBe(specVersion)
    expect(converted(base({ root: { path: "/abs//root/" } })).rootfs).toBe("/abs//root/")
    expect(converted(base(), { bundle: "/b/./c/../" }).labels).toEqual(["bundle=/b"])
  })

  it("makes a relative bind source absolute and names the device bind", () => {
    const config = converted(base({
      mounts: [{ destination: "/m", type: "tmpfs", source: "data/x", options: ["bind"] }, {
        destination: "/t",
        type: "tmpfs",
        source: "rel"
      }]
    }))
    expect(config.mounts?.map((m) => [m.source, m.device])).toEqual([["/b/data/x", "bind"], ["rel", "tmpfs"]])
  })

  it("puts the spec's device rules before the defaults and drops defaults the spec replaces", () => {
    const config = converted(base({
      linux: {
        devices: [{ path: "/dev/zero", type: "c", major: 1n, minor: 5n, fileMode: 0o20640 }],
        resources: { devices: [{ allow: false, access: "rwm" }] }
      }
    }))
    expect(config.devices?.map((d) => d.path)).toEqual(["/dev/null", "/dev/random", "/dev/full", "/dev/tty", "/dev/urandom", "/dev/zero"])
    expect(config.devices?.at(-1)).toMatchObject({ type: 99, file_mode: 0o640, permissions: "", allow: false })
    const rules = config.cgroups?.Resources?.devices ?? []
    expect(rules[0]).toEqual({ type: 97, major: -1n, minor: -1n, permissions: "rwm", allow: false })
    expect(rules.length).toBe(1 + allowedDevices.length - 1)
  })

  it("cleans a cgroupfs cgroupsPath and names the cgroup after the container only without one", () => {
    expect(converted(base({ linux: { cgroupsPath: "../../a/./b/" } })).cgroups).toMatchObject({ path: "a/b" })
    expect(converted(base({ linux: { cgroupsPath: "/../a" } })).cgroups?.name).toBeUndefined()
    expect(converted(base()).cgroups).toMatchObject({ name: "ctr", path: "" })
  })

  it("splits a systemd cgroupsPath into slice, prefix and name", () => {
    expect(converted(base({ linux: { cgroupsPath: "system.slice:docker:1234" } }), { useSystemdCgroup: true }).cgroups)
      .toMatchObject({ parent: "system.slice", scope_prefix: "docker", name: "1234", path: "", Systemd: true })
    expect(converted(base(), { useSystemdCgroup: true }).cgroups).toMatchObject({ scope_prefix: "runc", name: "ctr" })
    expect(refusal(base({ linux: { cgroupsPath: "/a/b" } }), { useSystemdCgroup: true })).toBe(
      "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"/a/b\" instead"
    )
    expect(refusal(base({ annotations: { "org.systemd.property.Ab": "1" } }), { useSystemdCgroup: true })).toBe(
      "annotation org.systemd.property.Ab name incorrect: too short"
    )
    // without systemd the annotations are plain labels
    expect(converted(base({ annotations: { "org.systemd.property.Ab": "1" } })).labels?.[0]).toBe("org.systemd.property.Ab=1")
  })

  it("converts cpu shares to a cgroup v2 weight in uint64 arithmetic", () => {
    const weight = (shares: bigint) =>
      converted(base({ linux: { resources: { cpu: { shares } } } })).cgroups?.Resources?.cpu_weight
    expect(weight(1024n)).toBe(39n)
    expect(weight(2n)).toBe(1n)
    expect(weight(262144n)).toBe(10000n)
    expect(weight(1n)).toBe((2n ** 64n - 9999n) / 262142n + 1n)
  })

  it("wraps a hook timeout times one second as Go's int64 does", () => {
    const hooks = converted(base({ hooks: { poststop: [{ path: "/h", timeout: 2 ** 53 - 1 }] } })).Hooks
    expect(hooks?.poststop?.[0]?.timeout).toBe(BigInt.asIntN(64, (2n ** 53n - 1n) * 1_000_000_000n))
    expect(Object.keys(hooks ?? {})).toEqual(["poststop"])
  })

  it("maps devices to the host root of a user namespace", () => {
    const config = converted(base({
      linux: {
        namespaces: [{ type: "user" }, { type: "mount" }],
        uidMappings: [{ containerID: 0, hostID: 1000, size: 10 }],
        gidMappings: [{ containerID: 0, hostID: 2000, size: 10 }]
      }
    }))
    expect(new Set(config.devices?.map((d) => `${d.uid}:${d.gid}`))).toEqual(new Set(["1000:2000"]))
    expect(hostIdOf(config, "uid", 9)).toEqual({ _tag: "Ok", id: 1009 })
    expect(hostIdOf(config, "uid", 10)).toEqual({ _tag: "Err", message: "User namespaces enabled, but no user mapping found." })
  })

  it("owns the cgroup by the process's host uid with a cgroup namespace and a writable cgroupfs", () => {
    const spec = (options: Array<string>) =>
      base({
        process: { user: { uid: 5, gid: 0 }, cwd: "/", args: ["sh"] },
        mounts: [{ destination: "/sys/fs/cgroup/", type: "cgroup", source: "cgroup", options }],
        linux: { namespaces: [{ type: "cgroup" }] }
      })
    expect(converted(spec(["rw"])).cgroups?.owner_uid).toBe(5)
    expect(converted(spec(["ro"])).cgroups?.owner_uid).toBeUndefined()
  })

  it("refuses what runc refuses, with runc's words", () => {
    expect(refusal(base({ root: undefined as never }))).toBe("root must be specified")
    expect(refusal(base({ linux: { namespaces: [{ type: "pid", path: "a\"b" }, { type: "pid" }] } }))).toBe(
      "malformed spec file: duplicated ns {\"pid\" \"\"}"
    )
    expect(refusal(base({ linux: { namespaces: [{ type: "net\n" }] } }))).toBe("namespace {\"net\\n\" \"\"} does not exist")
    expect(refusal(base({ linux: { devices: [{ path: "/d", type: "", major: 0n, minor: 0n }] } }))).toBe("invalid device type \"\"")
    expect(refusal(base({ linux: { seccomp: { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "nope" }] } } })))
      .toBe("string nope is not a valid action for seccomp")
  })

  it("drops an empty seccomp filter and keeps listener fields", () => {
    expect(converted(base({ linux: { seccomp: { defaultAction: "" } } })).seccomp).toBeNull()
    expect(converted(base({ linux: { seccomp: { defaultAction: "SCMP_ACT_NOTIFY", listenerPath: "/s" } } })).seccomp)
      .toMatchObject({ default_action: 7, syscalls: [], listener_path: "/s", architectures: null })
  })
})

describe("initProcess", () => {
  it("builds runc's process and refuses unknown rlimits", () => {
    const p = Either.getOrThrow(initProcess({
      user: { uid: 1, gid: 2, additionalGids: [3, 4] },
      cwd: "/",
      args: ["a"],
      consoleSize: { height: 65537, width: 80 },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 18446744073709551615n, soft: 1n }]
    }))
    expect(p).toMatchObject({ user: "1:2", additionalGroups: ["3", "4"], consoleHeight: 1, consoleWidth: 80, rlimits: [{ type: 7 }] })
    expect(Either.getOrThrow(Either.flip(initProcess({ user: { uid: 0, gid: 0 }, cwd: "/", rlimits: [{ type: "nofile", hard: 1n, soft: 1n }] }))).message)
      .toBe("wrong rlimit value: nofile")
  })
})

describe("systemd property names", () => {
  it("accepts three or more ASCII letters only", () => {
    expect(checkPropertyName("CPUQuota")).toBeUndefined()
    expect(checkPropertyName("Ab")).toBe("too short")
    expect(checkPropertyName("Cpu1")).toBe("contains non-alphabetic character")
    expect(checkPropertyName("Ünï")).toBe("contains non-alphabetic character")
  })
})

describe("properties", () => {
  const specs = Arbitrary.make(Spec.Spec)
  const opts = FastCheck.record({
    bundle: FastCheck.oneof(FastCheck.constant("/b"), FastCheck.string().map((s) => `/${s}`)),
    cgroupName: FastCheck.string(),
    useSystemdCgroup: FastCheck.boolean(),
    noPivotRoot: FastCheck.boolean(),
    noNewKeyring: FastCheck.boolean(),
    rootlessEUID: FastCheck.boolean(),
    rootlessCgroups: FastCheck.boolean()
  })

  it("never dies: any spec converts or fails with SpecInvalid", () => {
    FastCheck.assert(
      FastCheck.property(specs, opts, (spec, o) => {
        const exit = Effect.runSyncExit(createLibcontainerConfig(spec, o).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
        if (Exit.isFailure(exit)) {
          expect(exit.cause._tag).toBe("Fail")
          expect(exit.cause._tag === "Fail" ? exit.cause.error : undefined).toBeInstanceOf(SpecInvalid)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("produces configs runc could save: encodable, and read back unchanged", () => {
    FastCheck.assert(
      FastCheck.property(specs, opts, (spec, o) => {
        const exit = Effect.runSyncExit(createLibcontainerConfig(spec, o).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
        if (Exit.isSuccess(exit)) {
          const text = Either.getOrThrow(Config.encodeJson(exit.value))
          expect(Either.getOrThrow(Config.decodeJson(text))).toEqual(exit.value)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("are Schema values: every converted spec field is typed as Config says", () => {
    const spec = base({ linux: { resources: { memory: { limit: 1n, swappiness: 18446744073709551615n } } } })
    expect(Schema.is(Schema.typeSchema(Config.Config))(converted(spec))).toBe(true)
  })
})
