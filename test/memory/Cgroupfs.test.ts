/**
 * The simulated cgroupfs, mounted in the simulated host's one tree: its
 * layout as the real parsers read it (through the Filesystem port),
 * membership following the process table, the two freezers and what they
 * do to processes, the kernel's rmdir/mkdir rules, and a model check of the
 * pids walk over random trees.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as CgroupManager from "../../src/CgroupManager.js"
import * as Config from "../../src/Config.js"
import type { FilesystemService } from "../../src/Filesystem.js"
import * as Env from "../../src/internal/cgroups/env.js"
import { makeLayout } from "../../src/internal/cgroups/layout.js"
import { CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC, TMPFS_MAGIC } from "../../src/internal/cgroups/mode.js"
import * as ProcCgroup from "../../src/internal/cgroups/procCgroup.js"
import * as V1Mounts from "../../src/internal/cgroups/v1Mounts.js"
import { SELINUX_MAGIC } from "../../src/internal/filesystemType.js"
import * as Mountinfo from "../../src/internal/mountinfo.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import type { ProcessTable } from "../../src/memory/ProcessTable.js"
import * as Signal from "../../src/Signal.js"

const spawn = (table: ProcessTable, options: Parameters<ProcessTable["spawn"]>[0] = {}) =>
  Either.getOrThrow(table.spawn(options)).pid

const stateOf = (table: ProcessTable, pid: number) => Option.map(table.get(pid), (p) => p.state)

/** A simulated host from `seed`: its tree as the Filesystem port sees it, its process table, its cgroupfs. */
const hostOf = (seed: MemoryHost.Seed = {}) => {
  const host = MemoryHost.unsafeMake(seed)
  return { host, fs: MemoryHost.filesystem(host), table: host.processes, tree: host.cgroups }
}

type Host = ReturnType<typeof hostOf>

const read = (h: Host, path: string) => Effect.map(h.fs.readFile(path), (bytes) => new TextDecoder().decode(bytes))

const write = (h: Host, path: string, data: string) => h.fs.writeFile(path, new TextEncoder().encode(data), { flag: "existing" })

/** The cgroup manager over the host's Filesystem. */
const managerOn = (h: Host): Layer.Layer<CgroupManager.CgroupManager> =>
  CgroupManager.layer.pipe(Layer.provide(MemoryHost.layerFrom(h.host)))

const firstEntry = (fs: FilesystemService, path: string) =>
  Effect.map(fs.readDirectoryUnsorted(path, { limit: 1 }), (entries) => Option.fromNullable(entries[0]?.name))

describe("layout", () => {
  it("shows this machine's hybrid layout to the real parsers", () => {
    const { host, tree } = hostOf({ cgroupMode: "hybrid", self: { memory: "/process_api/x" } })
    const mounts = Either.getOrThrow(Mountinfo.parse(host.fs.mountinfo()))
    expect(mounts.filter((m) => m.fstype === "cgroup").map((m) => [m.mountpoint, m.vfsOptions])).toEqual([
      ["/sys/fs/cgroup/cpu", "rw,cpu"],
      ["/sys/fs/cgroup/cpuacct", "rw,cpuacct"],
      ["/sys/fs/cgroup/cpuset", "rw,cpuset"],
      ["/sys/fs/cgroup/memory", "rw,memory"],
      ["/sys/fs/cgroup/devices", "rw,devices"],
      ["/sys/fs/cgroup/freezer", "rw,freezer"],
      ["/sys/fs/cgroup/blkio", "rw,blkio"],
      ["/sys/fs/cgroup/pids", "rw,pids"],
      ["/sys/fs/cgroup/systemd", "rw,name=systemd"]
    ])
    expect(mounts.filter((m) => m.fstype === "cgroup2").map((m) => m.mountpoint)).toEqual(["/sys/fs/cgroup/unified"])
    expect(tree.procSelfCgroup().split("\n").slice(0, 2)).toEqual(["9:name=systemd:/", "8:pids:/"])
    expect(tree.procSelfCgroup()).toContain("4:memory:/process_api/x\n")
    expect(tree.procSelfCgroup().endsWith("0::/\n")).toBe(true)
    expect(Object.fromEntries(Either.getOrThrow(ProcCgroup.parseV1(tree.procSelfCgroup())))["memory"]).toBe("/process_api/x")
    expect(tree.exists("/sys/fs/cgroup/memory/process_api/x")).toBe(true)
  })

  it.effect("answers statfs, lstat devices and raw readdir order as the kernel would", () =>
    Effect.gen(function*() {
      const { fs: host } = hostOf({ cgroupMode: "hybrid" })
      expect(yield* host.statfs("/sys/fs/cgroup")).toBe(TMPFS_MAGIC)
      expect(yield* host.statfs("/sys/fs/cgroup/freezer")).toBe(CGROUP_SUPER_MAGIC)
      expect(yield* host.statfs("/sys/fs/cgroup/unified")).toBe(CGROUP2_SUPER_MAGIC)
      expect((yield* Effect.flip(host.statfs("/sys/fs/cgroup/nope"))).message).toBe("statfs /sys/fs/cgroup/nope: no such file or directory")
      const [cgroupfs, freezer] = [yield* host.lstat("/sys/fs/cgroup"), yield* host.lstat("/sys/fs/cgroup/freezer")]
      expect(cgroupfs.dev).not.toBe(freezer.dev)
      expect(yield* firstEntry(host, "/sys/fs/cgroup")).toEqual(Option.some("unified"))
      expect((yield* host.readDirectory("/sys/fs/cgroup/freezer")).map((e) => e.name)).toEqual([
        "cgroup.clone_children",
        "cgroup.procs",
        "cgroup.sane_behavior",
        "notify_on_release",
        "release_agent",
        "tasks"
      ])
      const unified = hostOf()
      expect(yield* unified.fs.statfs("/sys/fs/cgroup")).toBe(CGROUP2_SUPER_MAGIC)
      expect(yield* read(unified, "/sys/fs/cgroup/cgroup.controllers")).toBe("cpuset cpu io memory hugetlb pids\n")
    }))

  it.effect("takes the root fast path only when the first raw entry is a v1 hierarchy", () =>
    Effect.gen(function*() {
      const mountinfoReads = ({ fs }: Host) =>
        Effect.gen(function*() {
          let reads = 0
          const counting: FilesystemService = {
            ...fs,
            readFileOn: (path, types, options) => {
              if (path === "/proc/self/mountinfo") reads++
              return fs.readFileOn(path, types, options)
            }
          }
          const env = yield* Env.make(counting, makeLayout())
          expect(yield* env.cgroupRoot).toBe("/sys/fs/cgroup")
          return reads
        })
      expect(yield* mountinfoReads(hostOf({ cgroupMode: "legacy" }))).toBe(0)
      expect(yield* mountinfoReads(hostOf({ cgroupMode: "hybrid" }))).toBe(1)
    }))

  it.effect("follows co-mount symlinks the way tryDefaultPath and runc's paths do", () =>
    Effect.gen(function*() {
      const h = hostOf({
        cgroupMode: "legacy",
        hierarchies: [
          { dir: "cpu,cpuacct", controllers: ["cpu", "cpuacct"] },
          { dir: "devices", controllers: ["devices"] }
        ],
        links: { cpu: "cpu,cpuacct", cpuacct: "cpu,cpuacct" },
        self: { cpu: "/user.slice" }
      })
      expect(yield* h.fs.readLink("/sys/fs/cgroup/cpu")).toBe("cpu,cpuacct")
      expect((yield* h.fs.lstat("/sys/fs/cgroup/cpu")).type).toBe("SymbolicLink")
      expect((yield* h.fs.stat("/sys/fs/cgroup/cpu")).type).toBe("Directory")
      const env = yield* Env.make(h.fs, makeLayout())
      expect(yield* V1Mounts.findMountpoint(env, "/sys/fs/cgroup", "cpu")).toBe("/sys/fs/cgroup/cpu,cpuacct")
      const paths = yield* Effect.flatMap(CgroupManager.CgroupManager, (s) =>
        Effect.flatMap(s.new(Config.makeCgroup({ name: "c1", Resources: Config.makeResources() })), (m) => m.getPaths)).pipe(
          Effect.provide(managerOn(h))
        )
      expect(paths).toEqual({
        devices: "/sys/fs/cgroup/devices/c1",
        cpu: "/sys/fs/cgroup/cpu,cpuacct/user.slice/c1",
        cpuacct: "/sys/fs/cgroup/cpu,cpuacct/user.slice/c1"
      })
    }))

  it.effect("refuses a seed whose cgroups cannot be created", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(MemoryHost.make({ cgroups: ["/sys/fs/cgroup/a/b"] }))
      expect(refused.message).toBe("mkdir /sys/fs/cgroup/a/b: no such file or directory")
    }))
})

describe("membership", () => {
  it.effect("follows spawns, moves and exits", () =>
    Effect.gen(function*() {
      const h = hostOf({ cgroupMode: "hybrid", cgroups: ["/sys/fs/cgroup/pids/a", "/sys/fs/cgroup/unified/a"] })
      const { table, tree } = h
      const parent = spawn(table)
      expect(yield* read(h, "/sys/fs/cgroup/pids/cgroup.procs")).toBe(`${parent}\n`)
      yield* write(h, "/sys/fs/cgroup/pids/a/cgroup.procs", `${parent}\n`)
      yield* write(h, "/sys/fs/cgroup/unified/a/cgroup.procs", String(parent))
      const child = spawn(table, { ppid: parent })
      expect(tree.members("/sys/fs/cgroup/pids/a")).toEqual(Either.right([parent, child]))
      expect(tree.members("/sys/fs/cgroup/pids")).toEqual(Either.right([]))
      expect(yield* read(h, "/sys/fs/cgroup/unified/a/cgroup.events")).toBe("populated 1\nfrozen 0\n")
      table.exit(parent)
      table.exit(child)
      expect(tree.members("/sys/fs/cgroup/pids/a")).toEqual(Either.right([]))
      expect(yield* read(h, "/sys/fs/cgroup/unified/a/cgroup.events")).toBe("populated 0\nfrozen 0\n")
    }))

  it.effect("refuses bad writes with the kernel's errnos", () =>
    Effect.gen(function*() {
      const h = hostOf({ cgroups: ["/sys/fs/cgroup/a"] })
      const codeOf = (path: string, data: string) => Effect.map(Effect.flip(write(h, path, data)), (e) => `${e.op} ${e.code}`)
      expect(yield* codeOf("/sys/fs/cgroup/a/cgroup.procs", "abc")).toBe("write EINVAL")
      expect(yield* codeOf("/sys/fs/cgroup/a/cgroup.procs", "4242")).toBe("write ESRCH")
      expect(yield* codeOf("/sys/fs/cgroup/a/cgroup.freeze", "2")).toBe("write ERANGE")
      expect(yield* codeOf("/sys/fs/cgroup/a/cgroup.events", "1")).toBe("open EACCES")
      expect(yield* codeOf("/sys/fs/cgroup/a/nope", "1")).toBe("open ENOENT")
      expect(yield* codeOf("/sys/fs/cgroup/cgroup.freeze", "1")).toBe("open ENOENT")
    }))
})

describe("freezers", () => {
  it.effect("v1: an ancestor's freeze shows in freezer.state, self_freezing tells which, tasks show D", () =>
    Effect.gen(function*() {
      const h = hostOf({ cgroupMode: "legacy", cgroups: ["/sys/fs/cgroup/freezer/p", "/sys/fs/cgroup/freezer/p/c"] })
      const { table } = h
      const pid = spawn(table)
      yield* write(h, "/sys/fs/cgroup/freezer/p/c/cgroup.procs", String(pid))
      yield* write(h, "/sys/fs/cgroup/freezer/p/freezer.state", "FROZEN")
      const child = "/sys/fs/cgroup/freezer/p/c"
      expect([
        yield* read(h, `${child}/freezer.state`),
        yield* read(h, `${child}/freezer.self_freezing`),
        yield* read(h, `${child}/freezer.parent_freezing`)
      ]).toEqual(["FROZEN\n", "0\n", "1\n"])
      expect(stateOf(table, pid)).toEqual(Option.some("D"))
      expect(table.signal(pid, Signal.SIGKILL)).toBe("ok")
      expect(stateOf(table, pid)).toEqual(Option.some("D"))
      yield* write(h, "/sys/fs/cgroup/freezer/p/freezer.state", "THAWED\n")
      expect(table.get(pid)).toEqual(Option.none())
    }))

  it.effect("v1: a stalled freeze reads FREEZING first", () =>
    Effect.gen(function*() {
      const h = hostOf({ cgroupMode: "legacy", cgroups: ["/sys/fs/cgroup/freezer/p"] })
      Either.getOrThrow(h.tree.stallFreezing("/sys/fs/cgroup/freezer/p", 2))
      yield* write(h, "/sys/fs/cgroup/freezer/p/freezer.state", "FROZEN")
      const reads = [yield* read(h, "/sys/fs/cgroup/freezer/p/freezer.state"), yield* read(h, "/sys/fs/cgroup/freezer/p/freezer.state")]
      expect([...reads, yield* read(h, "/sys/fs/cgroup/freezer/p/freezer.state")]).toEqual(["FREEZING\n", "FREEZING\n", "FROZEN\n"])
    }))

  it.effect("v2: frozen tasks keep their state letter, a fatal signal still kills, children inherit the freeze", () =>
    Effect.gen(function*() {
      const h = hostOf({ cgroups: ["/sys/fs/cgroup/p", "/sys/fs/cgroup/p/c"] })
      const { table } = h
      const pid = spawn(table)
      yield* write(h, "/sys/fs/cgroup/p/c/cgroup.procs", String(pid))
      yield* write(h, "/sys/fs/cgroup/p/cgroup.freeze", "1")
      expect(yield* read(h, "/sys/fs/cgroup/p/c/cgroup.events")).toBe("populated 1\nfrozen 1\n")
      expect(yield* read(h, "/sys/fs/cgroup/p/c/cgroup.freeze")).toBe("0\n")
      expect(Option.map(table.get(pid), (p) => [p.state, p.frozen])).toEqual(Option.some(["S", true]))
      const forked = spawn(table, { ppid: pid })
      expect(Option.map(table.get(forked), (p) => p.frozen)).toEqual(Option.some(true))
      yield* write(h, "/sys/fs/cgroup/p/cgroup.freeze", "0")
      expect(Option.map(table.get(forked), (p) => p.frozen)).toEqual(Option.some(false))
      yield* write(h, "/sys/fs/cgroup/p/cgroup.freeze", "1")
      expect(table.signal(pid, Signal.SIGKILL)).toBe("ok")
      expect(table.get(pid)).toEqual(Option.none())
    }))

  it.effect("v2: cgroup.kill kills the whole subtree", () =>
    Effect.gen(function*() {
      const h = hostOf({ cgroups: ["/sys/fs/cgroup/p", "/sys/fs/cgroup/p/c"] })
      const { table } = h
      const [a, b, outside] = [spawn(table), spawn(table), spawn(table)]
      yield* write(h, "/sys/fs/cgroup/p/cgroup.procs", String(a))
      yield* write(h, "/sys/fs/cgroup/p/c/cgroup.procs", String(b))
      yield* write(h, "/sys/fs/cgroup/p/cgroup.kill", "1")
      expect([table.get(a), table.get(b), Option.isSome(table.get(outside))]).toEqual([Option.none(), Option.none(), true])
    }))
})

describe("rmdir and mkdir", () => {
  it.effect("rmdir: EBUSY with members or children, ENOENT when gone, EBUSY for a mount point", () =>
    Effect.gen(function*() {
      const h = hostOf({ cgroups: ["/sys/fs/cgroup/p", "/sys/fs/cgroup/p/c"] })
      const { table, tree } = h
      const code = (path: string) => Effect.map(Effect.flip(tree.rmdir(path)), (e) => e.code)
      expect(yield* code("/sys/fs/cgroup/p")).toBe("EBUSY")
      const pid = spawn(table)
      yield* write(h, "/sys/fs/cgroup/p/c/cgroup.procs", String(pid))
      expect(yield* code("/sys/fs/cgroup/p/c")).toBe("EBUSY")
      table.exit(pid)
      yield* tree.rmdir("/sys/fs/cgroup/p/c")
      yield* tree.rmdir("/sys/fs/cgroup/p")
      expect(yield* code("/sys/fs/cgroup/p")).toBe("ENOENT")
      expect(yield* code("/sys/fs/cgroup")).toBe("EBUSY")
      expect(yield* code("/sys/fs/cgroup/cgroup.procs")).toBe("ENOTDIR")
      expect(tree.cgroups()).toEqual([])
    }))

  it("mkdir: EEXIST, ENOENT, and no cgroups outside a hierarchy", () => {
    const { tree } = hostOf({ cgroupMode: "hybrid" })
    const code = (path: string) => Either.match(tree.mkdir(path), { onLeft: (e) => e.code, onRight: () => "ok" })
    expect(code("/sys/fs/cgroup/memory/a")).toBe("ok")
    expect(code("/sys/fs/cgroup/memory/a")).toBe("EEXIST")
    expect(code("/sys/fs/cgroup/memory/x/y")).toBe("ENOENT")
    expect(code("/sys/fs/cgroup/extra")).toBe("EROFS")
    expect(code("/sys/fs/cgroup/memory/cgroup.procs")).toBe("EEXIST")
    expect(tree.cgroups()).toEqual(["/sys/fs/cgroup/memory/a"])
  })
})

describe("getAllPids over random trees (model check)", () => {
  /** A random cgroup tree: directory names (byte order matters) and a member count per directory. */
  interface Shape {
    readonly members: number
    readonly children: ReadonlyArray<readonly [string, Shape]>
  }
  const shapeOf = (depth: number): FastCheck.Arbitrary<Shape> =>
    FastCheck.record({
      members: FastCheck.integer({ min: 0, max: 3 }),
      children: depth === 0 ? FastCheck.constant([]) : FastCheck.uniqueArray(
        FastCheck.tuple(FastCheck.constantFrom("a", "B", "b", "a0", "Z", "é", "-x", "a.b"), shapeOf(depth - 1)),
        { maxLength: 3, selector: ([name]) => name }
      )
    })
  const shape = shapeOf(3)

  it("returns each directory's pids before its children's, children in byte order", async () => {
    await FastCheck.assert(
      FastCheck.asyncProperty(shape, FastCheck.boolean(), async (tree, v1) => {
        const h = hostOf({ cgroupMode: v1 ? "legacy" : "unified" })
        const { table, tree: cgroupTree } = h
        const base = v1 ? "/sys/fs/cgroup/devices/t" : "/sys/fs/cgroup/t"
        const expected: Array<number> = []
        const build = (path: string, node: Shape) => {
          Either.getOrThrow(cgroupTree.mkdir(path))
          for (let i = 0; i < node.members; i++) {
            const pid = spawn(table)
            Either.getOrThrow(cgroupTree.addProcess(path, pid))
            expected.push(pid)
          }
          const sorted = [...node.children].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
          for (const [name, child] of sorted) build(`${path}/${name}`, child)
        }
        build(base, tree)
        const paths = v1 ? { devices: base } : { "": base }
        const pids = await Effect.runPromise(
          Effect.flatMap(CgroupManager.CgroupManager, (s) =>
            Effect.flatMap(s.newWithPaths(Config.makeCgroup({ Resources: Config.makeResources() }), paths), (m) => m.getAllPids)).pipe(
              Effect.provide(managerOn(h))
            )
        )
        expect(pids).toEqual(expected)
      }),
      { numRuns: 60 }
    )
  })
})

describe("seen through the Filesystem port, as on a real host", () => {
  const withResources = (path: string) => Config.makeCgroup({ path, Resources: Config.makeResources() })

  it.effect("a seeded cgroup is a directory of its control files, on cgroupfs", () =>
    Effect.gen(function*() {
      const v2 = hostOf({ cgroups: ["/sys/fs/cgroup/busy"] })
      const entries = yield* v2.fs.readDirectory("/sys/fs/cgroup/busy")
      // the controllers the root enables bring their files (CgroupResources)
      expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(["cpu.stat", "memory.max", "pids.max", "io.stat"]))
      expect(entries.filter((e) => e.name.startsWith("cgroup.")).map((e) => `${e.name}:${e.type}`)).toEqual([
        "cgroup.controllers:File",
        "cgroup.events:File",
        "cgroup.freeze:File",
        "cgroup.kill:File",
        "cgroup.max.depth:File",
        "cgroup.max.descendants:File",
        "cgroup.procs:File",
        "cgroup.stat:File",
        "cgroup.subtree_control:File",
        "cgroup.threads:File",
        "cgroup.type:File"
      ])
      expect(yield* v2.fs.readFileOn("/sys/fs/cgroup/busy/cgroup.type", [CGROUP2_SUPER_MAGIC])).toEqual(
        new TextEncoder().encode("domain\n")
      )
      expect((yield* v2.fs.stat("/sys/fs/cgroup/busy/cgroup.events")).mode).toBe(0o444)
      const v1 = hostOf({ cgroupMode: "legacy", cgroups: ["/sys/fs/cgroup/freezer/busy"] })
      expect((yield* v1.fs.readDirectory("/sys/fs/cgroup/freezer/busy")).map((e) => e.name)).toEqual([
        "cgroup.clone_children",
        "cgroup.procs",
        "freezer.parent_freezing",
        "freezer.self_freezing",
        "freezer.state",
        "notify_on_release",
        "tasks"
      ])
      // the kernel's refusals: no files made or removed in a cgroup, nothing made on v1's read-only tmpfs
      expect((yield* Effect.flip(v2.fs.writeFile("/sys/fs/cgroup/busy/extra", new Uint8Array(0)))).code).toBe("EACCES")
      expect((yield* Effect.flip(v2.fs.remove("/sys/fs/cgroup/busy/cgroup.procs"))).code).toBe("EPERM")
      expect((yield* Effect.flip(v1.fs.makeDirectory("/sys/fs/cgroup/extra", 0o755))).code).toBe("EROFS")
    }))

  it.effect("writing freezer.state through the Filesystem freezes the members, as CgroupManager sees it", () =>
    Effect.gen(function*() {
      const paths = { freezer: "/sys/fs/cgroup/freezer/app", devices: "/sys/fs/cgroup/devices/app" }
      const h = hostOf({ cgroupMode: "hybrid", cgroups: Object.values(paths) })
      const pid = spawn(h.table)
      const bytes = (text: string) => new TextEncoder().encode(text)
      for (const dir of Object.values(paths)) yield* h.fs.writeFile(`${dir}/cgroup.procs`, bytes(String(pid)), { flag: "existing" })
      yield* h.fs.writeFile(`${paths.freezer}/freezer.state`, bytes("FROZEN"), { flag: "existing" })
      const manager = yield* Effect.flatMap(CgroupManager.CgroupManager, (s) =>
        s.newWithPaths(withResources("/app"), paths)).pipe(Effect.provide(managerOn(h)))
      expect(yield* manager.getFreezerState).toBe("FROZEN")
      expect(stateOf(h.table, pid)).toEqual(Option.some("D"))
      expect(yield* manager.getAllPids).toEqual([pid])
      yield* manager.freeze("THAWED")
      expect(yield* read(h, "/sys/fs/cgroup/freezer/app/freezer.state")).toBe("THAWED\n")
      expect(stateOf(h.table, pid)).toEqual(Option.some("S"))
    }))

  it.effect("Manager.kill writes cgroup.kill where there is a unified cgroup, and says so", () =>
    Effect.gen(function*() {
      for (const [mode, paths, expected] of [
        ["unified", { "": "/sys/fs/cgroup/app" }, true],
        ["hybrid", { freezer: "/sys/fs/cgroup/freezer/app", "": "/sys/fs/cgroup/unified/app" }, true],
        ["legacy", { freezer: "/sys/fs/cgroup/freezer/app" }, false]
      ] as const) {
        const h = hostOf({ cgroupMode: mode, cgroups: Object.values(paths) })
        const [a, b] = [spawn(h.table), spawn(h.table)]
        for (const dir of Object.values(paths)) for (const pid of [a, b]) yield* h.tree.addProcess(dir, pid)
        const manager = yield* Effect.flatMap(CgroupManager.CgroupManager, (s) =>
          s.newWithPaths(withResources("/app"), paths)).pipe(Effect.provide(managerOn(h)))
        expect(yield* manager.kill, mode).toBe(expected)
        expect([stateOf(h.table, a), stateOf(h.table, b)], mode).toEqual(
          expected ? [Option.none(), Option.none()] : [Option.some("S"), Option.some("S")]
        )
      }
    }))

  it.effect("/proc: mountinfo from the one mount table, a stat file for each process until it is reaped", () =>
    Effect.gen(function*() {
      const h = hostOf({ cgroupMode: "hybrid", resctrl: { cat: true } })
      const mounts = Either.getOrThrow(Mountinfo.parse(yield* h.fs.readFileOn("/proc/self/mountinfo", [0x9fa0])))
      expect(mounts.map((m) => `${m.mountpoint} ${m.fstype}`)).toEqual(expect.arrayContaining([
        "/ ext4",
        "/proc proc",
        "/sys/fs/cgroup tmpfs",
        "/sys/fs/cgroup/freezer cgroup",
        "/sys/fs/cgroup/unified cgroup2",
        "/sys/fs/resctrl resctrl"
      ]))
      const pid = spawn(h.table, { comm: "worker" })
      expect(yield* read(h, `/proc/${pid}/stat`)).toMatch(new RegExp(`^${pid} \\(worker\\) S `))
      h.table.exit(pid)
      expect((yield* Effect.flip(h.fs.readFile(`/proc/${pid}/stat`))).code).toBe("ENOENT")
    }))

  it.effect("a seeded mount is in the mount table with its options, and read-only when they say ro", () =>
    Effect.gen(function*() {
      const h = hostOf({
        entries: [{ type: "dir", path: "/sys/fs/selinux", filesystem: SELINUX_MAGIC, mountOptions: "ro,relatime" }]
      })
      const mounts = Either.getOrThrow(Mountinfo.parse(yield* h.fs.readFileOn("/proc/self/mountinfo", [0x9fa0])))
      expect(mounts.find((m) => m.mountpoint === "/sys/fs/selinux")).toMatchObject({
        fstype: "selinuxfs",
        options: "ro,relatime"
      })
      expect((yield* Effect.flip(h.fs.writeFile("/sys/fs/selinux/enforce", new Uint8Array([0x31])))).code).toBe("EROFS")
      expect(yield* h.fs.statfs("/sys/fs/selinux")).toBe(SELINUX_MAGIC)
    }))
})
