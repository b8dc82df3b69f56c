/**
 * Path computation, table-driven from cgroups.md: mount discovery (C-4,
 * C-5), the v1 worked examples (§4.10) and this machine's table, the inner
 * path confinement (C-6), fs2's default directory (C-3), the systemd
 * examples (§7.5) and the construction errors (§3, §10) — all by the real
 * layer's code over fake hosts on the memory Filesystem.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { CgroupManager } from "../../../src/CgroupManager.js"
import * as Config from "../../../src/Config.js"
import { CGROUP2_SUPER_MAGIC } from "../../../src/internal/cgroups/mode.js"
import * as V1Mounts from "../../../src/internal/cgroups/v1Mounts.js"
import { fakeHost, type FakeHostSpec, type FakeMount, procSelfCgroupOf, separateMounts } from "./fixtures.js"

const withResources = (fields: Partial<Config.Cgroup>): Config.Cgroup =>
  Config.makeCgroup({ ...fields, Resources: Config.makeResources() })

/** The paths `new` computes for `cg` on the fake host. */
const pathsOn = (spec: FakeHostSpec, cg: Config.Cgroup) =>
  Effect.gen(function*() {
    const service = yield* CgroupManager
    return yield* (yield* service.new(cg)).getPaths
  }).pipe(Effect.provide(fakeHost(spec).layer))

/** The failure text of `new(cg)` on the fake host. */
const newFailure = (spec: FakeHostSpec, cg: Config.Cgroup | null, paths: Record<string, string> | null = null) =>
  Effect.gen(function*() {
    const service = yield* CgroupManager
    return (yield* Effect.flip(service.newWithPaths(cg, paths))).message
  }).pipe(Effect.provide(fakeHost(spec).layer))

const thisMachineControllers = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "name=systemd"]

/** This machine: separate v1 mounts, cgroup2 at unified, a private two-level memory cgroup. */
const thisMachine: FakeHostSpec = {
  mounts: [
    ...separateMounts(thisMachineControllers),
    { mountpoint: "/sys/fs/cgroup/unified", options: "rw", fstype: "cgroup2" }
  ],
  procSelfCgroup: procSelfCgroupOf(
    [...thisMachineControllers].reverse().map((c) => [c, c === "memory" ? "/process_api/0123" : "/"] as const),
    "/"
  )
}

/** §4.10's host: `cpu,cpuacct` co-mounted (with the usual symlinks), memory own cgroup `/user.slice`. */
const coMounted = (hybrid: boolean): FakeHostSpec => ({
  mounts: [
    { mountpoint: "/sys/fs/cgroup/systemd", options: "rw,xattr,name=systemd" },
    { mountpoint: "/sys/fs/cgroup/cpu,cpuacct", options: "rw,cpu,cpuacct" },
    ...separateMounts(["memory", "devices", "freezer", "pids", "cpuset", "blkio"]),
    ...(hybrid ? [{ mountpoint: "/sys/fs/cgroup/unified", options: "rw", fstype: "cgroup2" as const }] : [])
  ],
  procSelfCgroup: procSelfCgroupOf(
    [
      ["blkio", "/"],
      ["cpuset", "/"],
      ["pids", "/user.slice/user-1000.slice"],
      ["freezer", "/"],
      ["devices", "/user.slice"],
      ["memory", "/user.slice"],
      ["cpu,cpuacct", "/user.slice/cpu"],
      ["name=systemd", "/user.slice/user-1000.slice/session-1.scope"]
    ],
    hybrid ? "/user.slice/user-1000.slice/session-1.scope" : undefined
  ),
  entries: [
    { type: "symlink", path: "/sys/fs/cgroup/cpu", target: "cpu,cpuacct" },
    { type: "symlink", path: "/sys/fs/cgroup/cpuacct", target: "cpu,cpuacct" }
  ]
})

describe("mount discovery", () => {
  it.effect("FindCgroupMountpointAndRoot respects the cgroupPath prefix (C-4)", () =>
    Effect.gen(function*() {
      const env = yield* fakeHost({
        mounts: [{ mountpoint: "/foo", options: "rw,devices" }, { mountpoint: "/sys/fs/cgroup/devices", options: "rw,devices" }],
        procSelfCgroup: "1:devices:/\n"
      }).env
      expect((yield* V1Mounts.findMountpointAndRoot(env, "/sys/fs", "devices")).mountpoint).toBe("/sys/fs/cgroup/devices")
      expect((yield* V1Mounts.findMountpointAndRoot(env, "", "devices")).mountpoint).toBe("/foo")
      const missing = yield* Effect.flip(V1Mounts.findMountpointAndRoot(env, "", "memory"))
      expect([missing.message, missing._tag === "CgroupError" && missing.reason]).toEqual([
        "mountpoint for memory not found",
        "NotFound"
      ])
    }))

  const fedoraControllers = [
    "name=systemd",
    "cpuset",
    "cpu,cpuacct",
    "memory",
    "devices",
    "freezer",
    "net_cls",
    "blkio",
    "perf_event",
    "hugetlb"
  ]
  const fedoraMounts = (root: string): ReadonlyArray<FakeMount> =>
    fedoraControllers.map((c) => ({
      mountpoint: `/sys/fs/cgroup/${c === "name=systemd" ? "systemd" : c}`,
      // the kernel lists co-mounted controllers in its own order, not the directory's
      options: c === "cpu,cpuacct" ? "rw,cpuacct,cpu,clone_children" : `rw,${c}`,
      root
    }))
  const fedoraKeys = ["name=systemd", "cpuset", "cpu", "cpuacct", "memory", "devices", "freezer", "net_cls", "blkio", "perf_event", "hugetlb"]
  const fedoraSelf = fedoraKeys.map((k, i) => `${i + 1}:${k}:/`).join("\n") + "\n"

  it.effect("finds every hierarchy of a Fedora-like host, past a cifs mount with spaces (C-5)", () =>
    Effect.gen(function*() {
      const env = yield* fakeHost({
        mounts: fedoraMounts("/"),
        procSelfCgroup: fedoraSelf,
        otherMounts: ["33 1 0:44 / /mnt/share rw,relatime - cifs //foo/BLA\\040BLA\\040BLA/ rw,unc=\\\\foo\\BLA BLA BLA,vers=3.0"]
      }).env
      const mounts = yield* V1Mounts.getCgroupMounts(env, false)
      const found = new Map(mounts.flatMap((m) => m.subsystems.map((s) => [s, m.root] as const)))
      expect([...found.keys()].sort()).toEqual(fedoraKeys.map((k) => k.replace("name=", "")).sort())
      expect([...found.values()].every((root) => root === "/")).toBe(true)
      expect(mounts.find((m) => m.mountpoint === "/sys/fs/cgroup/cpu,cpuacct")?.subsystems).toEqual(["cpuacct", "cpu"])
      expect(yield* V1Mounts.getCgroupMounts(env, true)).toEqual(mounts)
    }))

  it.effect("keeps the mount roots of a systemd-in-docker host (C-5)", () =>
    Effect.gen(function*() {
      const scope = "/system.slice/docker-dc4eaa1a34ec4d593bc0125d31eea823a1d76ae483aeb1409cca80304e34da2e.scope"
      const env = yield* fakeHost({ mounts: fedoraMounts(scope), procSelfCgroup: fedoraSelf }).env
      const mounts = yield* V1Mounts.getCgroupMounts(env, false)
      expect(mounts).toHaveLength(fedoraControllers.length)
      expect(mounts.every((m) => m.root === scope)).toBe(true)
    }))

  it.effect("takes the first of five mounts per hierarchy unless asked for all (bedrock, C-5)", () =>
    Effect.gen(function*() {
      const controllers = ["cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "net_cls", "perf_event", "name=systemd"]
      const prefixes = ["", "/bedrock/strata/arch", "/bedrock/strata/fallback", "/bedrock/strata/gentoo", "/bedrock/strata/kde"]
      const mounts = prefixes.flatMap((prefix) =>
        controllers.map((c) => ({ mountpoint: `${prefix}/sys/fs/cgroup/${c.replace("name=", "")}`, options: `rw,${c}` }))
      )
      const env = yield* fakeHost({
        mounts,
        procSelfCgroup: controllers.map((c, i) => `${i + 1}:${c}:/`).join("\n")
      }).env
      const first = yield* V1Mounts.getCgroupMounts(env, false)
      expect(first.map((m) => m.mountpoint)).toEqual(mounts.slice(0, 10).map((m) => m.mountpoint))
      expect(yield* V1Mounts.getCgroupMounts(env, true)).toHaveLength(50)
    }))

  it.effect("ignores a cgroup2 mount, even one at a v1 hierarchy's place (C-5)", () =>
    Effect.gen(function*() {
      const env = yield* fakeHost({
        mounts: [
          { mountpoint: "/sys/fs/cgroup/systemd", options: "rw,name=systemd", fstype: "cgroup2" },
          ...separateMounts(["memory", "devices"])
        ],
        procSelfCgroup: "2:memory:/\n1:devices:/\n0::/\n"
      }).env
      const mounts = yield* env.v1Mounts
      expect(mounts.map((m) => m.mountpoint)).toEqual(["/sys/fs/cgroup/memory", "/sys/fs/cgroup/devices"])
      const missing = yield* Effect.flip(V1Mounts.findMountpointAndRoot(env, "", "name=systemd"))
      expect(missing.message).toBe("mountpoint for name=systemd not found")
    }))
})

describe("v1 fs paths", () => {
  const hybrid = coMounted(true)
  it.effect.each([
    [
      "name c1 nests under the own cgroup",
      { name: "c1" },
      {
        memory: "/sys/fs/cgroup/memory/user.slice/c1",
        cpu: "/sys/fs/cgroup/cpu,cpuacct/user.slice/cpu/c1",
        "": "/sys/fs/cgroup/unified/c1"
      }
    ],
    [
      "absolute path /c1",
      { path: "/c1" },
      { memory: "/sys/fs/cgroup/memory/c1", cpu: "/sys/fs/cgroup/cpu,cpuacct/c1", "": "/sys/fs/cgroup/unified/c1" }
    ],
    [
      "parent /a name b",
      { parent: "/a", name: "b" },
      { memory: "/sys/fs/cgroup/memory/a/b", cpu: "/sys/fs/cgroup/cpu,cpuacct/a/b", "": "/sys/fs/cgroup/unified/a/b" }
    ],
    [
      "all empty is the own cgroup",
      {},
      { memory: "/sys/fs/cgroup/memory/user.slice", cpu: "/sys/fs/cgroup/cpu,cpuacct/user.slice/cpu", "": "/sys/fs/cgroup/unified" }
    ]
  ] as const)("§4.10 worked example: %s", ([, fields, expected]) =>
    Effect.gen(function*() {
      const paths = yield* pathsOn(hybrid, withResources(fields))
      expect({ memory: paths["memory"], cpu: paths["cpu"], "": paths[""] }).toEqual(expected)
      expect(paths["cpuacct"]).toBe(paths["cpu"])
    }))

  it.effect("lists subsystems in runc's order, `\"\"` last, skipping unmounted ones", () =>
    Effect.gen(function*() {
      const paths = yield* pathsOn(hybrid, withResources({ path: "/c1" }))
      expect(Object.keys(paths)).toEqual(["cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "freezer", "name=systemd", ""])
      expect(Object.keys(yield* pathsOn(coMounted(false), withResources({ path: "/c1" })))).not.toContain("")
    }))

  it.effect("reproduces the table of this machine (cgroups.md, What this machine shows)", () =>
    Effect.gen(function*() {
      const expected = (memory: string, leaf: string) => ({
        cpuset: `/sys/fs/cgroup/cpuset/${leaf}`,
        devices: `/sys/fs/cgroup/devices/${leaf}`,
        memory,
        cpu: `/sys/fs/cgroup/cpu/${leaf}`,
        cpuacct: `/sys/fs/cgroup/cpuacct/${leaf}`,
        pids: `/sys/fs/cgroup/pids/${leaf}`,
        blkio: `/sys/fs/cgroup/blkio/${leaf}`,
        freezer: `/sys/fs/cgroup/freezer/${leaf}`,
        "name=systemd": `/sys/fs/cgroup/systemd/${leaf}`,
        "": `/sys/fs/cgroup/unified/${leaf}`
      })
      expect(yield* pathsOn(thisMachine, withResources({ name: "c1" })))
        .toEqual(expected("/sys/fs/cgroup/memory/process_api/0123/c1", "c1"))
      expect(yield* pathsOn(thisMachine, withResources({ path: "/c1" }))).toEqual(expected("/sys/fs/cgroup/memory/c1", "c1"))
    }))

  it.effect("subtracts the mount root in a nested (non-cgroupns) container", () =>
    Effect.gen(function*() {
      const scope = "/docker/abc"
      const paths = yield* pathsOn(
        {
          mounts: separateMounts(["memory", "devices"]).map((m) => ({ ...m, root: scope })),
          procSelfCgroup: `2:memory:${scope}/inner\n1:devices:${scope}\n`
        },
        withResources({ name: "c1" })
      )
      expect(paths).toEqual({ devices: "/sys/fs/cgroup/devices/c1", memory: "/sys/fs/cgroup/memory/inner/c1" })
    }))

  it.effect("keeps every devices path under <root>/devices, whatever path/parent/name say (C-6)", () =>
    Effect.gen(function*() {
      const R = "../../../../../../../../../../some/path"
      const A = "/../../../../../../../../../../some/path"
      const rows = [
        { path: R },
        { path: A },
        { parent: R, name: "name" },
        { parent: A, name: "name" },
        { parent: "parent", name: R },
        { parent: "parent", name: A },
        { parent: R, name: R },
        { parent: A, name: A },
        { name: "c1" },
        {}
      ]
      for (const fields of rows) {
        const devices = (yield* pathsOn(thisMachine, withResources(fields)))["devices"]!
        expect(devices === "/sys/fs/cgroup/devices" || devices.startsWith("/sys/fs/cgroup/devices/")).toBe(true)
      }
    }))

  it("puts an absolute inner path under each hierarchy's directory, a relative one under the own cgroup", async () => {
    const segment = FastCheck.constantFrom("a", "b.slice", "..", ".", "x-y", "c 1")
    const inner = FastCheck.tuple(FastCheck.boolean(), FastCheck.array(segment, { minLength: 1, maxLength: 4 }))
    await FastCheck.assert(FastCheck.asyncProperty(inner, async ([absolute, parts]) => {
      const path = (absolute ? "/" : "") + parts.join("/")
      const paths = await Effect.runPromise(pathsOn(thisMachine, withResources({ path })))
      for (const [subsystem, value] of Object.entries(paths)) {
        const dir = subsystem === "" ? "unified" : subsystem.replace("name=", "")
        const base = subsystem === "memory" && !absolute
          ? "/sys/fs/cgroup/memory/process_api/0123"
          : subsystem === "name=systemd" ? "/sys/fs/cgroup/systemd" : `/sys/fs/cgroup/${dir}`
        expect(value === base || value.startsWith(`${base}/`)).toBe(true)
      }
    }), { numRuns: 40 })
  })

  it.effect.each([
    ["no resources", Config.makeCgroup({ path: "/c1" }), "cgroup v1 manager needs configs.Resources to be set during manager creation"],
    [
      "unified set",
      Config.makeCgroup({ path: "/c1", Resources: Config.makeResources({ unified: {} }) }),
      "invalid configuration: cannot use unified on cgroup v1"
    ],
    ["path and name", withResources({ path: "/c1", name: "x" }), "cgroup: either Path or Name and Parent should be used"],
    ["null config", null, "cgroups/manager.New: config must not be nil"],
    ["systemd without systemd", Config.makeCgroup({ name: "c1", Systemd: true }), "systemd not running on this host, cannot use systemd cgroups manager"]
  ] as const)("refuses to construct: %s", ([, cg, message]) =>
    Effect.gen(function*() {
      expect(yield* newFailure(thisMachine, cg)).toBe(message)
    }))

  it.effect("fails without a devices hierarchy, but skips other missing ones", () =>
    Effect.gen(function*() {
      const spec = { mounts: separateMounts(["memory"]), procSelfCgroup: "1:memory:/\n" }
      expect(yield* newFailure(spec, withResources({ path: "/c1" }))).toBe("mountpoint for devices not found")
      const noDevicesNeeded = { mounts: separateMounts(["devices"]), procSelfCgroup: "1:devices:/\n" }
      expect(yield* pathsOn(noDevicesNeeded, withResources({ path: "/c1" }))).toEqual({ devices: "/sys/fs/cgroup/devices/c1" })
    }))

  it.effect("reports host trouble with runc's texts", () =>
    Effect.gen(function*() {
      const noMounts = { mounts: [], procSelfCgroup: "1:devices:/\n" }
      expect(yield* newFailure(noMounts, withResources({ path: "/c1" }))).toBe("no cgroup mount found in mountinfo")
      const badProc = { mounts: separateMounts(["devices"]), procSelfCgroup: "1:devices:/\nnonsense\n" }
      expect(yield* newFailure(badProc, withResources({ path: "/c1" })))
        .toBe("invalid cgroup entry: must contain at least two colons: nonsense")
      const relativeOwn = { mounts: separateMounts(["devices"]), procSelfCgroup: "1:devices:elsewhere\n" }
      expect(yield* newFailure(relativeOwn, withResources({ name: "c1" }))).toBe("Rel: can't make elsewhere relative to /")
      const notOwn = { mounts: separateMounts(["devices"]), procSelfCgroup: "1:memory:/\n" }
      expect(yield* newFailure(notOwn, withResources({ name: "c1" }))).toBe("no cgroup mount found in mountinfo")
    }))

  it.effect("takes saved paths verbatim, even an empty map", () =>
    Effect.gen(function*() {
      const service = yield* CgroupManager
      const saved = { devices: "/x/y", weird: "relative" }
      expect(yield* (yield* service.newWithPaths(withResources({ path: "/other" }), saved)).getPaths).toEqual(saved)
      const empty = yield* service.newWithPaths(withResources({ path: "/other" }), {})
      expect([yield* empty.getPaths, yield* empty.path("devices"), yield* empty.exists]).toEqual([{}, "", false])
      const oddKeys = yield* service.newWithPaths(withResources({ path: "/other" }), JSON.parse("{\"__proto__\":\"/p\"}"))
      expect([yield* oddKeys.path("__proto__"), yield* oddKeys.path("constructor")]).toEqual(["/p", ""])
      expect(Object.keys(yield* oddKeys.getPaths)).toEqual(["__proto__"])
    }).pipe(Effect.provide(fakeHost({ mounts: [], procSelfCgroup: "" }).layer)))
})

/** A unified host: `/sys/fs/cgroup` itself is cgroup2. */
const unifiedHost = (own: string, extra: Partial<FakeHostSpec> = {}): FakeHostSpec => ({
  mounts: [{ mountpoint: "/sys/fs/cgroup", options: "rw,nsdelegate", fstype: "cgroup2" }],
  procSelfCgroup: `0::${own}\n`,
  rootType: CGROUP2_SUPER_MAGIC,
  ...extra
})

describe("fs2 paths", () => {
  const own = "/user.slice/user-1000.slice/session-1.scope"
  it.effect.each([
    [{ path: "/foo/bar" }, "/sys/fs/cgroup/foo/bar"],
    [{ path: "foo/bar" }, "/sys/fs/cgroup/user.slice/user-1000.slice/foo/bar"],
    [{ name: "c1" }, "/sys/fs/cgroup/user.slice/user-1000.slice/c1"],
    [{ parent: "/p", name: "c1" }, "/sys/fs/cgroup/p/c1"],
    [{ path: "../../../x" }, "/sys/fs/cgroup/user.slice/user-1000.slice/x"],
    [{}, "/sys/fs/cgroup/user.slice/user-1000.slice"]
  ] as const)("defaultDirPath(%j) = %j (C-3)", ([fields, expected]) =>
    Effect.gen(function*() {
      expect(yield* pathsOn(unifiedHost(own), Config.makeCgroup(fields))).toEqual({ "": expected })
    }))

  it.effect("needs no resources, and says which config it refused", () =>
    Effect.gen(function*() {
      expect(yield* newFailure(unifiedHost(own), Config.makeCgroup({ path: "/a", name: "n" }))).toBe(
        "cgroup: either Path or Name and Parent should be used, got &{Name:n Parent: Path:/a ScopePrefix: Resources:<nil> Systemd:false SystemdProps:[] Rootless:false OwnerUID:<nil>}"
      )
      expect(yield* pathsOn(unifiedHost(own), Config.makeCgroup({ path: "/no-resources" })))
        .toEqual({ "": "/sys/fs/cgroup/no-resources" })
    }))

  it.effect("fails a relative path when /proc/self/cgroup has no cgroup2 line", () =>
    Effect.gen(function*() {
      const spec = unifiedHost(own, { procSelfCgroup: "1:name=systemd:/\n" })
      expect(yield* newFailure(spec, Config.makeCgroup({ path: "rel" }))).toBe("cgroup path not found")
      expect(yield* pathsOn(spec, Config.makeCgroup({ path: "/abs" }))).toEqual({ "": "/sys/fs/cgroup/abs" })
    }))

  it.effect.each([
    [{ "": "/a", devices: "/b" }, "manager.NewWithPaths: inconsistent paths: expected a single path, got map[:/a devices:/b]"],
    [{ "": "/a/../b" }, "manager.NewWithPaths: inconsistent paths: invalid path: \"/a/../b\""],
    [{ "": "rel" }, "manager.NewWithPaths: inconsistent paths: invalid path: \"rel\""],
    [{ "": "/a/" }, "manager.NewWithPaths: inconsistent paths: invalid path: \"/a/\""]
  ] as const)("checks saved paths %j", ([saved, message]) =>
    Effect.gen(function*() {
      expect(yield* newFailure(unifiedHost(own), Config.makeCgroup({ path: "/x" }), saved)).toBe(message)
    }))

  it.effect("uses a saved single path, ignoring its key, and computes for an empty one", () =>
    Effect.gen(function*() {
      const service = yield* CgroupManager
      const saved = yield* service.newWithPaths(Config.makeCgroup({ path: "/x" }), { "": "/sys/fs/cgroup/saved" })
      expect([yield* saved.getPaths, yield* saved.path("memory")]).toEqual([{ "": "/sys/fs/cgroup/saved" }, "/sys/fs/cgroup/saved"])
      const other = yield* service.newWithPaths(Config.makeCgroup({ path: "/x" }), { memory: "/ignored" })
      expect(yield* other.getPaths).toEqual({ "": "/sys/fs/cgroup/x" })
      expect(yield* service.mode).toBe("unified")
    }).pipe(Effect.provide(fakeHost(unifiedHost(own)).layer)))
})

describe("systemd paths (§7.5)", () => {
  const systemdRunning = [{ type: "dir" as const, path: "/run/systemd/system" }]
  const legacyHost: FakeHostSpec = { ...coMounted(true), entries: [...(coMounted(true).entries ?? []), ...systemdRunning] }

  it.effect("v1: <mount>/<expanded slice>/<unit>, own cgroups not consulted", () =>
    Effect.gen(function*() {
      const paths = yield* pathsOn(legacyHost, Config.makeCgroup({ name: "c1", scope_prefix: "runc", parent: "a-b.slice", Systemd: true }))
      expect(paths["memory"]).toBe("/sys/fs/cgroup/memory/a.slice/a-b.slice/runc-c1.scope")
      expect(paths[""]).toBe("/sys/fs/cgroup/unified/a.slice/a-b.slice/runc-c1.scope")
      expect(paths["cpu"]).toBe("/sys/fs/cgroup/cpu,cpuacct/a.slice/a-b.slice/runc-c1.scope")
      expect(Object.keys(paths)).toEqual(["cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "freezer", "name=systemd", ""])
      const plain = yield* pathsOn(legacyHost, Config.makeCgroup({ name: "c1", Systemd: true }))
      expect(plain["memory"]).toBe("/sys/fs/cgroup/memory/system.slice/-c1.scope")
    }))

  it.effect("v1: refuses rootless, unified and bad slices", () =>
    Effect.gen(function*() {
      expect(yield* newFailure(legacyHost, Config.makeCgroup({ name: "c1", Systemd: true, Rootless: true })))
        .toBe("cannot use rootless systemd cgroups manager on cgroup v1")
      expect(yield* newFailure(legacyHost, Config.makeCgroup({ name: "c1", Systemd: true, Resources: Config.makeResources({ unified: {} }) })))
        .toBe("invalid configuration: cannot use unified on cgroup v1")
      expect(yield* newFailure(legacyHost, Config.makeCgroup({ name: "c1", Systemd: true, parent: "bad--x.slice" })))
        .toBe("invalid slice name: bad--x.slice")
    }))

  it.effect("v2: SecureJoin(<root>, <slice>/<unit>); rootless needs D-Bus", () =>
    Effect.gen(function*() {
      const host = unifiedHost("/", { entries: systemdRunning })
      expect(yield* pathsOn(host, Config.makeCgroup({ name: "c1", scope_prefix: "runc", Systemd: true })))
        .toEqual({ "": "/sys/fs/cgroup/system.slice/runc-c1.scope" })
      expect(yield* pathsOn(host, Config.makeCgroup({ name: "k.slice", parent: "-.slice", Systemd: true })))
        .toEqual({ "": "/sys/fs/cgroup/k.slice" })
      const rootless = yield* Effect.flip(
        Effect.gen(function*() {
          return yield* (yield* CgroupManager).new(Config.makeCgroup({ name: "c1", Systemd: true, Rootless: true }))
        }).pipe(Effect.provide(fakeHost(host).layer))
      )
      expect(rootless._tag === "CgroupError" && rootless.reason).toBe("DbusRequired")
      expect(rootless.message).toMatch(/D-Bus/)
    }))
})
