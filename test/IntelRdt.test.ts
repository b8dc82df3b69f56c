/**
 * intelrdt.md on three hosts: the real layer over a resctrl-shaped temp dir
 * (this machine has no RDT), the same rules over the memory Filesystem, and
 * the memory layer's simulated resctrl, which formats and validates like the
 * kernel. runc's own table (§8) runs on all three.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SystemError } from "../src/ContainerError.js"
import * as Filesystem from "../src/Filesystem.js"
import * as IntelRdt from "../src/IntelRdt.js"
import * as R from "../src/internal/intelrdt/resctrl.js"
import * as MemoryHost from "../src/memory/MemoryHost.js"
import * as NodeHost from "../src/node/NodeHost.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** What a test needs from a host laid out for it. */
interface Fixture {
  readonly root: string
  /** `<root>/resctrl`, the group runc's tests use. */
  readonly group: string
  readonly rdt: IntelRdt.IntelRdtService
  readonly read: (path: string) => Effect.Effect<string, SystemError>
  readonly exists: (path: string) => Effect.Effect<boolean>
  /** Whether files read back in the kernel's format (padded values) rather than as written. */
  readonly kernelFormat: boolean
}

/** The hardware and files a fixture starts with. */
interface Spec {
  readonly cat?: boolean
  readonly mba?: boolean
  readonly mbps?: boolean
  /** `mon_features` lines. */
  readonly monitoring?: ReadonlyArray<string>
  /** What `<root>/resctrl/schemata` holds before the test. */
  readonly groupSchemata?: string
  /** Counters of the `resctrl` group per NUMA node (0 and 1). */
  readonly counters?: { readonly mbm_total_bytes: bigint; readonly mbm_local_bytes: bigint; readonly llc_occupancy: bigint }
}

interface Harness {
  readonly name: string
  readonly fixture: (spec: Spec) => Effect.Effect<Fixture, never, Scope.Scope>
}

/** Lays out a resctrl-shaped tree through the Filesystem service (real or in-memory). */
const layOut = (fs: Filesystem.FilesystemService, root: string, spec: Spec) =>
  Effect.gen(function*() {
    const write = (path: string, content: string) =>
      Effect.zipRight(fs.makeDirectoryAll(join(path, ".."), 0o755), fs.writeFile(path, encoder.encode(content)))
    const rootLines = [spec.cat ? "L3:0=fffff;1=fffff" : undefined, spec.mba ? "MB:0=100;1=100" : undefined]
    yield* write(join(root, "schemata"), rootLines.filter((l) => l !== undefined).join("\n") + "\n")
    yield* write(join(root, "tasks"), "")
    yield* write(join(root, "info", "last_cmd_status"), "ok\n")
    if (spec.cat) {
      yield* write(join(root, "info", "L3", "cbm_mask"), "fffff\n")
      yield* write(join(root, "info", "L3", "min_cbm_bits"), "1\n")
      yield* write(join(root, "info", "L3", "num_closids"), "16\n")
    }
    if (spec.mba) {
      yield* write(join(root, "info", "MB", "bandwidth_gran"), "10\n")
      yield* write(join(root, "info", "MB", "delay_linear"), "1\n")
      yield* write(join(root, "info", "MB", "min_bandwidth"), "10\n")
      yield* write(join(root, "info", "MB", "num_closids"), "8\n")
    }
    if (spec.monitoring !== undefined) {
      yield* write(join(root, "info", "L3_MON", "mon_features"), spec.monitoring.join("\n"))
    }
    const group = join(root, "resctrl")
    yield* write(join(group, "schemata"), spec.groupSchemata ?? "")
    yield* write(join(group, "tasks"), "")
    if (spec.counters !== undefined) {
      for (const node of ["mon_L3_00", "mon_L3_01"]) {
        for (const [name, value] of Object.entries(spec.counters)) {
          yield* write(join(group, "mon_data", node, name), `${value}\n`)
        }
      }
    }
  }).pipe(Effect.orDie)

/** The real layer's rules over a Filesystem layer, with the root given (runc's test hook). */
const onFilesystem = (name: string, fsLayer: Layer.Layer<Filesystem.Filesystem>, makeRoot: Effect.Effect<string, never, Scope.Scope>): Harness => ({
  name,
  fixture: (spec) =>
    Effect.gen(function*() {
      const root = yield* makeRoot
      const context = yield* Layer.build(Layer.provideMerge(IntelRdt.layerWith({ resctrlRoot: root, checkFileType: false }), fsLayer))
      const fs = Context.get(context, Filesystem.Filesystem)
      yield* layOut(fs, root, spec)
      return {
        root,
        group: join(root, "resctrl"),
        rdt: Context.get(context, IntelRdt.IntelRdt),
        read: (path) => Effect.map(fs.readFile(path), (bytes) => decoder.decode(bytes)),
        exists: (path) => Effect.isSuccess(fs.stat(path)),
        kernelFormat: false
      }
    })
})

const tempRoot = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "intelrdt-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const nodeHarness = onFilesystem("node, resctrl-shaped temp dir", NodeHost.layerFilesystem, tempRoot)
const memoryFsHarness = onFilesystem(
  "the same rules on the memory Filesystem",
  Layer.orDie(MemoryHost.layer()),
  Effect.succeed("/tmp/resctrl-fake")
)

/** The Intel RDT service over a simulated host's Filesystem. */
const onHost = (host: MemoryHost.SimulatedHost) =>
  Effect.map(Layer.build(IntelRdt.layer.pipe(Layer.provide(MemoryHost.layerFrom(host)))), (c) => Context.get(c, IntelRdt.IntelRdt))

const simulatedHarness: Harness = {
  name: "memory, simulated resctrl",
  fixture: (spec) =>
    Effect.gen(function*() {
      const host = MemoryHost.unsafeMake({
        resctrl: {
          cat: spec.cat ?? false,
          mba: spec.mba || spec.mbps ? { mbps: spec.mbps ?? false } : false,
          monitoring: spec.monitoring === undefined ? false : { features: spec.monitoring }
        }
      })
      const fs = MemoryHost.filesystem(host)
      const root = R.defaultMountpoint
      const group = join(root, "resctrl")
      yield* Effect.orDie(fs.makeDirectoryAll(group, 0o755))
      if (spec.groupSchemata !== undefined && spec.groupSchemata !== "") {
        yield* Effect.orDie(fs.writeFile(join(group, "schemata"), encoder.encode(spec.groupSchemata), { flag: "existing" }))
      }
      if (spec.counters !== undefined) {
        host.resctrl.setCounters("resctrl", 0, spec.counters)
        host.resctrl.setCounters("resctrl", 1, spec.counters)
      }
      return {
        root,
        group,
        rdt: yield* onHost(host),
        read: (path) => Effect.map(fs.readFile(path), (bytes) => decoder.decode(bytes)),
        exists: (path) => Effect.isSuccess(fs.stat(path)),
        kernelFormat: true
      }
    })
}

/** A schemata line with its values as numbers, so `L3:0=0f0` and `MB:0= 70` compare as written. */
const normalize = (line: string): string => {
  const colon = line.indexOf(":")
  const resource = line.slice(0, colon).trim()
  const domains = line.slice(colon + 1).split(";").filter((d) => d !== "").map((d) => {
    const [id, value] = d.split("=") as [string, string]
    const n = resource === "L3" ? BigInt("0x" + value.trim()).toString(16) : BigInt(value.trim()).toString()
    return `${id.trim()}=${n}`
  })
  return `${resource}:${domains.join(";")}`
}

const firstLine = (f: Fixture, path: string) => Effect.map(f.read(path), (content) => R.trimSpace(content).split("\n")[0]!)

const harnesses = [nodeHarness, memoryFsHarness, simulatedHarness]

for (const h of harnesses) {
  describe(`IntelRdt (${h.name})`, () => {
    describe("runc's intelrdt tests (intelrdt.md §8)", () => {
      const setCases = [
        { test: "TestIntelRdtSetL3CacheSchema", spec: { cat: true }, before: "L3:0=f;1=f0", key: "l3_cache_schema", after: "L3:0=f0;1=f" },
        { test: "TestIntelRdtSetMemBwSchema", spec: { mba: true }, before: "MB:0=20;1=70", key: "memBwSchema", after: "MB:0=70;1=20" },
        { test: "TestIntelRdtSetMemBwScSchema", spec: { mbps: true }, before: "MB:0=5000;1=7000", key: "memBwSchema", after: "MB:0=9000;1=4000" }
      ] as const
      for (const c of setCases) {
        it.scoped(c.test, () =>
          Effect.gen(function*() {
            const f = yield* h.fixture({ ...c.spec, groupSchemata: c.before + "\n" })
            const config = { intel_rdt: { [c.key]: c.after } }
            const manager = yield* f.rdt.newManagerUnchecked(config, "", f.group)
            yield* manager.set(config)
            const line = yield* firstLine(f, join(f.group, "schemata"))
            expect(normalize(line)).toBe(c.after)
            if (!f.kernelFormat) expect(line).toBe(c.after)
          }))
      }

      it.scoped("TestApply", () =>
        Effect.gen(function*() {
          const f = yield* h.fixture({ cat: true })
          const closOnly = { intel_rdt: { closID: "test-clos" } }
          const first = yield* f.rdt.newManagerUnchecked(closOnly, "", f.group)
          const error = yield* Effect.flip(first.apply(1234))
          expect(error._tag).toBe("ClosDirNotAccessible")
          expect(error.message).toBe(
            `clos dir not accessible (must be pre-created when l3CacheSchema and memBwSchema are empty): stat ${f.root}/test-clos: no such file or directory`
          )
          expect(yield* f.exists(join(f.root, "test-clos"))).toBe(false)

          // runc mutates the manager's config; here a manager with the same id and path stands in for it.
          const withSchema = { intel_rdt: { closID: "test-clos", l3_cache_schema: "L3:0=f" } }
          const second = yield* f.rdt.newManagerUnchecked(withSchema, "", f.group)
          yield* second.apply(1235)
          const path = yield* second.getPath
          expect(path).toBe(join(f.root, "test-clos"))
          expect(R.trimSpace(yield* f.read(join(path, "tasks")))).toBe("1235")
        }))

      it.scoped("TestGetMonitoringStats and TestGetMBMNumaNodeStats", () =>
        Effect.gen(function*() {
          const counters = { mbm_total_bytes: 9123911n, mbm_local_bytes: 2361361n, llc_occupancy: 123331n }
          const all = yield* h.fixture({ monitoring: ["mbm_total_bytes", "mbm_local_bytes", "llc_occupancy"], counters })
          expect(yield* all.rdt.features).toEqual({ cat: false, mba: false, mbm: true, cmt: true })
          const manager = yield* all.rdt.newManagerUnchecked({ intel_rdt: {} }, "", all.group)
          const mbm = { mbm_total_bytes: 9123911n, mbm_local_bytes: 2361361n }
          expect(yield* manager.getStats).toEqual(
            Option.some({ mbm_stats: [mbm, mbm], cmt_stats: [{ llc_occupancy: 123331n }, { llc_occupancy: 123331n }] })
          )

          const onlyMbm = yield* h.fixture({ monitoring: ["mbm_total_bytes", "mbm_local_bytes"], counters })
          const m2 = yield* onlyMbm.rdt.newManagerUnchecked({ intel_rdt: {} }, "", onlyMbm.group)
          expect(yield* m2.getStats).toEqual(Option.some({ mbm_stats: [mbm, mbm], cmt_stats: [] }))
        }))
    })

    describe("NewManager, paths and features", () => {
      it.scoped("returns no manager without intel_rdt, a manager with it", () =>
        Effect.gen(function*() {
          const f = yield* h.fixture({ cat: true })
          expect(yield* f.rdt.newManager({}, "c1", "")).toEqual(Option.none())
          expect(yield* f.rdt.newManager({ intel_rdt: null }, "c1", "")).toEqual(Option.none())
          const manager = yield* f.rdt.newManager({ intel_rdt: {} }, "c1", "")
          expect(Option.isSome(manager)).toBe(true)
          // Nothing is created by NewManager.
          expect(yield* f.exists(join(f.root, "c1"))).toBe(false)
        }))

      it.scoped("getPath: root/id, closID instead of id, a given path as is", () =>
        Effect.gen(function*() {
          const f = yield* h.fixture({ cat: true })
          const byId = yield* f.rdt.newManagerUnchecked({ intel_rdt: {} }, "c1", "")
          expect(yield* byId.getPath).toBe(join(f.root, "c1"))
          const byClos = yield* f.rdt.newManagerUnchecked({ intel_rdt: { closID: "shared" } }, "c1", "")
          expect(yield* byClos.getPath).toBe(join(f.root, "shared"))
          const loaded = yield* f.rdt.newManagerUnchecked({ intel_rdt: {} }, "c1", "/saved/path")
          expect(yield* loaded.getPath).toBe("/saved/path")
        }))

      it.scoped("apply creates the group and joins the pid; -1 only creates it; destroy removes it", () =>
        Effect.gen(function*() {
          const f = yield* h.fixture({ cat: true, mba: true })
          const config = { intel_rdt: { l3_cache_schema: "L3:0=ff;1=ff", memBwSchema: "MB:0=50;1=50" } }
          const manager = yield* f.rdt.newManagerUnchecked(config, "c1", "")
          yield* manager.apply(-1)
          const path = join(f.root, "c1")
          expect(yield* f.exists(path)).toBe(true)
          yield* manager.apply(4321)
          expect(R.trimSpace(yield* f.read(join(path, "tasks")))).toBe("4321")
          yield* manager.set(config)
          const lines = R.trimSpace(yield* f.read(join(path, "schemata"))).split("\n")
          expect(lines.map(normalize)).toEqual(["L3:0=ff;1=ff", "MB:0=50;1=50"])
          yield* manager.destroy
          expect(yield* f.exists(path)).toBe(false)
          // destroy forgot the path; it is computed again
          expect(yield* manager.getPath).toBe(path)
          yield* manager.destroy
        }))

      it.scoped("destroy leaves a closID group alone", () =>
        Effect.gen(function*() {
          const f = yield* h.fixture({ cat: true })
          const manager = yield* f.rdt.newManagerUnchecked({ intel_rdt: { closID: "resctrl" } }, "c1", "")
          yield* manager.destroy
          expect(yield* f.exists(f.group)).toBe(true)
          expect(yield* manager.getPath).toBe(f.group)
        }))

      it.scoped("set writes nothing without schemas, and every operation is a no-op without intel_rdt", () =>
        Effect.gen(function*() {
          const f = yield* h.fixture({ cat: true, groupSchemata: "L3:0=f;1=f0\n" })
          const before = yield* f.read(join(f.group, "schemata"))
          const manager = yield* f.rdt.newManagerUnchecked({ intel_rdt: {} }, "", f.group)
          yield* manager.set({ intel_rdt: { closID: "x" } })
          yield* manager.set({})
          expect(yield* f.read(join(f.group, "schemata"))).toBe(before)
          const none = yield* f.rdt.newManagerUnchecked({}, "resctrl", "")
          yield* none.apply(1)
          yield* none.destroy
          expect(yield* none.getStats).toEqual(Option.none())
          expect(yield* f.exists(f.group)).toBe(true)
        }))

      it.scoped("getStats reports CAT and MBA info and the last matching schema lines", () =>
        Effect.gen(function*() {
          const f = yield* h.fixture({ cat: true, mba: true, groupSchemata: "L3:0=ff;1=f0\nMB:0=50;1=70\n" })
          const manager = yield* f.rdt.newManagerUnchecked({ intel_rdt: {} }, "", f.group)
          const stats = Option.getOrThrow(yield* manager.getStats)
          expect(stats.l3_cache_info).toEqual({ cbm_mask: "fffff", min_cbm_bits: 1n, num_closids: 16n })
          expect(stats.mem_bw_info).toEqual({ bandwidth_gran: 10n, delay_linear: 1n, min_bandwidth: 10n, num_closids: 8n })
          expect(normalize(stats.l3_cache_schema_root!)).toBe("L3:0=fffff;1=fffff")
          expect(normalize(stats.l3_cache_schema!)).toBe("L3:0=ff;1=f0")
          expect(normalize(stats.mem_bw_schema_root!)).toBe("MB:0=100;1=100")
          expect(normalize(stats.mem_bw_schema!)).toBe("MB:0=50;1=70")
          expect(stats.mbm_stats).toBeUndefined()
          expect(yield* f.rdt.features).toEqual({ cat: true, mba: true, mbm: false, cmt: false })
        }))

      it.scoped("with an empty id and no closID the group path is the root itself", () =>
        Effect.gen(function*() {
          const f = yield* h.fixture({ cat: true })
          const manager = yield* f.rdt.newManagerUnchecked({ intel_rdt: {} }, "", "")
          // id "" and no closID: the group path is the root itself
          expect(yield* manager.getPath).toBe(f.root)
        }))
    })
  })
}

// --- root discovery (§3) on the node layer, with statfs and mountinfo injected ---------------

/** This host's Filesystem with `statfs` replaced. */
const withStatfs = (statfs: (path: string) => Effect.Effect<number, SystemError>) =>
  Layer.map(NodeHost.layerFilesystem, (context) => {
    const fs = Context.get(context, Filesystem.Filesystem)
    return Context.make(Filesystem.Filesystem, { ...fs, statfs })
  })

describe("IntelRdt root discovery on this host's Filesystem", () => {
  const probe = (statfs: (path: string) => Effect.Effect<number, SystemError>, mountinfo: string) =>
    Effect.gen(function*() {
      const root = yield* tempRoot
      const fs = Context.get(yield* Layer.build(NodeHost.layerFilesystem), Filesystem.Filesystem)
      const mountinfoPath = join(root, "mountinfo")
      yield* Effect.orDie(fs.writeFile(mountinfoPath, encoder.encode(mountinfo)))
      const context = yield* Layer.build(
        IntelRdt.layerWith({ mountinfoPath, checkFileType: false }).pipe(Layer.provide(withStatfs(statfs)))
      )
      return Context.get(context, IntelRdt.IntelRdt)
    })
  const base = "26 1 254:0 / / rw - ext4 /dev/vda rw\n22 26 0:21 / /sys rw - sysfs sysfs rw\n"
  const fails = (code: string) => (path: string) => Effect.fail(new SystemError({ op: "statfs", path, code }))
  const sysfsMagic = () => Effect.succeed(0x62656572)

  it.scoped("ENOENT: Intel RDT not available, no manager, no features", () =>
    Effect.gen(function*() {
      const rdt = yield* probe(fails("ENOENT"), base)
      const error = yield* Effect.flip(rdt.root)
      expect(error._tag).toBe("IntelRdtNotAvailable")
      expect(error.message).toBe("Intel RDT not available")
      expect(yield* rdt.newManager({ intel_rdt: { closID: "x" } }, "c1", "")).toEqual(Option.none())
      expect(yield* rdt.features).toEqual({ cat: false, mba: false, mbm: false, cmt: false })
      const unchecked = yield* rdt.newManagerUnchecked({ intel_rdt: {} }, "c1", "")
      expect(yield* unchecked.getPath).toBe("")
      const error2 = yield* Effect.flip(unchecked.set({ intel_rdt: { l3_cache_schema: "L3:0=f" } }))
      expect(error2.message).toBe("no such directory for schemata")
      expect((yield* Effect.flip(unchecked.apply(1))).message).toBe("Intel RDT not available")
    }))

  it.scoped("another statfs error is returned as Go's bare errno", () =>
    Effect.gen(function*() {
      const rdt = yield* probe(fails("EACCES"), base)
      const error = yield* Effect.flip(rdt.root)
      expect(error).toMatchObject({ _tag: "ResctrlProbeError", code: "EACCES" })
      expect(error.message).toBe("permission denied")
    }))

  it.scoped("the resctrl magic on /sys/fs/resctrl: that is the root, mountinfo is not read", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const rdt = yield* probe((path) => (seen.push(path), Effect.succeed(R.RDTGROUP_SUPER_MAGIC)), "garbage\n")
      expect(yield* rdt.root).toBe("/sys/fs/resctrl")
      expect(yield* rdt.root).toBe("/sys/fs/resctrl")
      expect(seen).toEqual(["/sys/fs/resctrl"])
    }))

  it.scoped("otherwise the first resctrl mount in mountinfo, unescaped", () =>
    Effect.gen(function*() {
      const mounts = base + "40 22 0:40 / /mnt/my\\040rdt rw - resctrl resctrl rw\n41 22 0:41 / /second rw - resctrl resctrl rw\n"
      expect(yield* (yield* probe(sysfsMagic, mounts)).root).toBe("/mnt/my rdt")
      const none = yield* Effect.flip((yield* probe(sysfsMagic, base)).root)
      expect(none._tag).toBe("IntelRdtNotAvailable")
      const broken = yield* Effect.flip((yield* probe(sysfsMagic, "1 2 3\n")).root)
      expect(broken).toMatchObject({ _tag: "MountinfoParseError", message: "parsing '1 2 3' failed: not enough fields (3)" })
    }))

  it.scoped("a mountinfo that cannot be read fails with the open error", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(
        IntelRdt.layerWith({ mountinfoPath: "/nonexistent/mountinfo" }).pipe(Layer.provide(withStatfs(sysfsMagic)))
      )
      const error = yield* Effect.flip(Context.get(context, IntelRdt.IntelRdt).root)
      expect(error.message).toBe("open /nonexistent/mountinfo: no such file or directory")
    }))

  it.scoped("this machine: no /sys/fs/resctrl, so no RDT (intelrdt.md §9)", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(IntelRdt.layer.pipe(Layer.provide(NodeHost.layerFilesystem)))
      const rdt = Context.get(context, IntelRdt.IntelRdt)
      if (existsSync("/sys/fs/resctrl")) return
      expect((yield* Effect.flip(rdt.root)).message).toBe("Intel RDT not available")
      expect(yield* rdt.newManager({ intel_rdt: {} }, "c1", "")).toEqual(Option.none())
      expect(yield* rdt.features).toEqual({ cat: false, mba: false, mbm: false, cmt: false })
    }))
})

// --- feature detection and node-only file behaviour ----------------------------------------

describe("IntelRdt features and file texts on this host's Filesystem (temp dir)", () => {
  const fixture = (spec: Spec) => nodeHarness.fixture(spec)

  it.scoped("features follow info/L3, info/MB and the mon_features lines; unknown lines are warned about", () =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => logs.push(String(Array.isArray(message) ? message.join(" ") : message)))
      const f = yield* fixture({ mba: true, monitoring: ["llc_occupancy", "", "mbm_total_bytes_config"] })
      const features = yield* f.rdt.features.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      expect(features).toEqual({ cat: false, mba: true, mbm: false, cmt: true })
      expect(logs).toEqual([
        "Unsupported Intel RDT monitoring feature: ",
        "Unsupported Intel RDT monitoring feature: mbm_total_bytes_config"
      ])
    }))

  it.scoped("an unreadable mon_features leaves MBM and CMT off but keeps CAT", () =>
    Effect.gen(function*() {
      const f = yield* fixture({ cat: true, monitoring: [] })
      const fs = Context.get(yield* Layer.build(NodeHost.layerFilesystem), Filesystem.Filesystem)
      yield* Effect.orDie(fs.remove(join(f.root, "info", "L3_MON", "mon_features")))
      expect(yield* f.rdt.features).toEqual({ cat: true, mba: false, mbm: false, cmt: false })
    }))

  it.scoped("uint files: negative reads 0, anything else unparsable is runc's error", () =>
    Effect.gen(function*() {
      const f = yield* fixture({ cat: true })
      const fs = Context.get(yield* Layer.build(NodeHost.layerFilesystem), Filesystem.Filesystem)
      const file = join(f.root, "info", "L3", "min_cbm_bits")
      const manager = yield* f.rdt.newManagerUnchecked({ intel_rdt: {} }, "", f.group)
      yield* Effect.orDie(fs.writeFile(file, encoder.encode(" -5\n")))
      expect(Option.getOrThrow(yield* manager.getStats).l3_cache_info?.min_cbm_bits).toBe(0n)
      yield* Effect.orDie(fs.writeFile(file, encoder.encode("0x3\n")))
      const error = yield* Effect.flip(manager.getStats)
      expect(error._tag).toBe("ResctrlParseError")
      expect(error.message).toBe(`unable to parse "0x3\\n" as a uint from file "${file}"`)
    }))

  it.scoped("a failed tasks write carries last_cmd_status twice, as runc's Apply wraps it twice", () =>
    Effect.gen(function*() {
      const f = yield* fixture({ cat: true })
      const fs = Context.get(yield* Layer.build(NodeHost.layerFilesystem), Filesystem.Filesystem)
      yield* Effect.orDie(fs.writeFile(join(f.root, "info", "last_cmd_status"), encoder.encode("No task 1235\n")))
      yield* Effect.orDie(fs.makeDirectoryAll(join(f.root, "c1", "tasks"), 0o755))
      const manager = yield* f.rdt.newManagerUnchecked({ intel_rdt: {} }, "c1", "")
      const error = yield* Effect.flip(manager.apply(1235))
      expect(error._tag).toBe("LastCmdStatus")
      expect(error.message).toBe(
        `intelrdt: unable to add pid 1235: open ${f.root}/c1/tasks: is a directory, last_cmd_status: No task 1235, last_cmd_status: No task 1235`
      )
    }))

  it.scoped("without a readable last_cmd_status the error stays unwrapped", () =>
    Effect.gen(function*() {
      const f = yield* fixture({ cat: true })
      const fs = Context.get(yield* Layer.build(NodeHost.layerFilesystem), Filesystem.Filesystem)
      yield* Effect.orDie(fs.remove(join(f.root, "info", "last_cmd_status")))
      yield* Effect.orDie(fs.remove(join(f.group, "schemata")))
      yield* Effect.orDie(fs.makeDirectoryAll(join(f.group, "schemata"), 0o755))
      const manager = yield* f.rdt.newManagerUnchecked({ intel_rdt: {} }, "", f.group)
      const error = yield* Effect.flip(manager.set({ intel_rdt: { l3_cache_schema: "L3:0=f", memBwSchema: "MB:0=20" } }))
      expect(error._tag).toBe("ResctrlWriteError")
      expect(error.message).toBe(`intelrdt: unable to write L3:0=f\nMB:0=20: open ${f.group}/schemata: is a directory`)
    }))

  it.scoped("set writes the joint schema with a trailing newline", () =>
    Effect.gen(function*() {
      const f = yield* fixture({ cat: true, mba: true })
      const manager = yield* f.rdt.newManagerUnchecked({ intel_rdt: {} }, "", f.group)
      yield* manager.set({ intel_rdt: { l3_cache_schema: "L3:0=f0;1=f", memBwSchema: "MB:0=70;1=20" } })
      expect(yield* f.read(join(f.group, "schemata"))).toBe("L3:0=f0;1=f\nMB:0=70;1=20\n")
      yield* manager.set({ intel_rdt: { memBwSchema: "MB:0=10" } })
      expect(yield* f.read(join(f.group, "schemata"))).toBe("MB:0=10\n")
    }))
})

// --- the simulated kernel ------------------------------------------------------------------

describe("IntelRdt on the simulated host's resctrl", () => {
  const hostWith = (resctrl: MemoryHost.ResctrlOptions) => MemoryHost.unsafeMake({ resctrl })
  const service = (resctrl: MemoryHost.ResctrlOptions) => onHost(hostWith(resctrl))

  it.scoped("the default host has no RDT", () =>
    Effect.gen(function*() {
      const rdt = yield* onHost(MemoryHost.unsafeMake())
      expect((yield* Effect.flip(rdt.root)).message).toBe("Intel RDT not available")
      expect(yield* rdt.newManager({ intel_rdt: {} }, "c1", "")).toEqual(Option.none())
    }))

  it.scoped("root discovery: default mount, elsewhere via mountinfo, supported but unmounted", () =>
    Effect.gen(function*() {
      expect(yield* (yield* service({ cat: true })).root).toBe("/sys/fs/resctrl")
      expect(yield* (yield* service({ mba: true, mountpoint: "/mnt/my rdt" })).root).toBe("/mnt/my rdt")
      const unmounted = yield* service({ supported: true, mountpoint: null })
      expect((yield* Effect.flip(unmounted.root))._tag).toBe("IntelRdtNotAvailable")
    }))

  it.scoped("the kernel validates schemata and explains in last_cmd_status", () =>
    Effect.gen(function*() {
      const host = hostWith({ cat: { cbmMask: "fff", minCbmBits: 2 }, mba: true })
      const rdt = yield* onHost(host)
      const manager = Option.getOrThrow(yield* rdt.newManager({ intel_rdt: {} }, "c1", ""))
      yield* manager.apply(-1)
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["L3:0=f0f", "The mask f0f has non-consecutive 1-bits"],
        ["L3:0=1", "Need at least 2 bits in the mask"],
        ["L3:0=1fff", "Mask out of range"],
        ["L3:0=xyz", "Non-hex character in the mask xyz"],
        ["L3:0=f;0=f", "Duplicate domain 0"],
        ["L3:x=f", "Missing '=' or non-numeric domain"],
        ["L2:0=f", "Unknown or unsupported resource name 'L2'"],
        ["MB:0=5", "MB value 5 out of range [10,100]"],
        ["MB:0=abc", "Non-decimal digit in MB value abc"]
      ]
      for (const [schema, status] of cases) {
        const error = yield* Effect.flip(manager.set({ intel_rdt: { l3_cache_schema: schema } }))
        expect(error.message).toBe(
          `intelrdt: unable to write ${schema}: write /sys/fs/resctrl/c1/schemata: invalid argument, last_cmd_status: ${status}`
        )
      }
      // A rejected write changes nothing; an accepted one is rounded up to the bandwidth granularity.
      yield* manager.set({ intel_rdt: { l3_cache_schema: "L3:1=ff0", memBwSchema: "MB:0=55" } })
      expect(decoder.decode(yield* MemoryHost.filesystem(host).readFile("/sys/fs/resctrl/c1/schemata"))).toBe(
        "L3:0=fff;1=ff0\nMB:0= 60;1=100\n"
      )
    }))

  it.scoped("apply of an unknown pid fails with the kernel's explanation; rmdir returns tasks to the root group", () =>
    Effect.gen(function*() {
      const host = hostWith({ cat: true, hasTask: (pid) => pid !== 1235 })
      const model = host.resctrl
      const rdt = yield* onHost(host)
      const manager = Option.getOrThrow(yield* rdt.newManager({ intel_rdt: {} }, "c1", ""))
      const error = yield* Effect.flip(manager.apply(1235))
      const status = "No task 1235\nError while processing task 1235"
      expect(error.message).toBe(
        `intelrdt: unable to add pid 1235: write /sys/fs/resctrl/c1/tasks: no such process, last_cmd_status: ${status}, last_cmd_status: ${status}`
      )
      yield* manager.apply(42)
      expect(model.tasksOf("c1")).toEqual([42])
      yield* manager.destroy
      expect(model.groupNames()).toEqual([""])
      expect(model.tasksOf("")).toEqual([42])
    }))

  it.scoped("groups are limited by the CLOSIDs the hardware has", () =>
    Effect.gen(function*() {
      const rdt = yield* service({ cat: { numClosids: 2 } })
      const first = Option.getOrThrow(yield* rdt.newManager({ intel_rdt: {} }, "c1", ""))
      yield* first.apply(-1)
      const second = Option.getOrThrow(yield* rdt.newManager({ intel_rdt: {} }, "c2", ""))
      const error = yield* Effect.flip(second.apply(-1))
      expect(error.message).toBe("mkdir /sys/fs/resctrl/c2: no space left on device, last_cmd_status: Out of CLOSIDs")
      yield* first.destroy
      yield* second.apply(-1)
    }))

  it.scoped("a closID-only apply needs the group to exist, and then joins it", () =>
    Effect.gen(function*() {
      const host = hostWith({ cat: true })
      const model = host.resctrl
      yield* MemoryHost.filesystem(host).makeDirectory("/sys/fs/resctrl/shared", 0o755)
      const rdt = yield* onHost(host)
      const manager = Option.getOrThrow(yield* rdt.newManager({ intel_rdt: { closID: "shared" } }, "c1", ""))
      yield* manager.apply(7)
      expect(model.tasksOf("shared")).toEqual([7])
      yield* manager.destroy
      expect(model.groupNames()).toEqual(["", "shared"])
    }))
})

// --- destroy is confined to resctrl groups below the root ------------------------------------

describe("IntelRdt destroy on this host's Filesystem (temp dir)", () => {
  const managerFor = (options: IntelRdt.Options, path: string) =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Layer.provideMerge(IntelRdt.layerWith(options), NodeHost.layerFilesystem))
      const rdt = Context.get(context, IntelRdt.IntelRdt)
      return yield* rdt.newManagerUnchecked({ intel_rdt: { l3_cache_schema: "L3:0=f" } }, "c", path)
    })

  it.scoped("refuses a group off resctrl, outside the root, the root itself, or through a symlink; removes a plain one in test mode", () =>
    Effect.gen(function*() {
      const dir = yield* tempRoot
      const fs = Context.get(yield* Layer.build(NodeHost.layerFilesystem), Filesystem.Filesystem)
      const root = join(dir, "resctrl")
      const victim = join(dir, "victim")
      yield* Effect.orDie(Effect.all([
        fs.makeDirectoryAll(join(root, "grp", "mon_data"), 0o755),
        fs.writeFile(join(root, "grp", "schemata"), encoder.encode("L3:0=f\n")),
        fs.makeDirectoryAll(join(victim, "sub"), 0o755),
        fs.writeFile(join(victim, "keep"), encoder.encode("keep")),
        fs.symlink(victim, join(root, "link"))
      ]))
      const refusal = (options: IntelRdt.Options, path: string) =>
        Effect.map(Effect.flatMap(managerFor(options, path), (m) => Effect.flip(m.destroy)), (e) =>
          e._tag === "ResctrlRemovalRefused" ? e.reason : e.message)
      const checked = { resctrlRoot: root }
      const testMode = { resctrlRoot: root, checkFileType: false }
      expect(yield* refusal(checked, join(root, "grp"))).toBe("not on resctrl")
      expect(yield* refusal(testMode, join(root, "link"))).toBe("not a directory")
      expect(yield* refusal(testMode, victim)).toBe("outside the resctrl root")
      expect(yield* refusal(testMode, `${root}/../victim`)).toBe("outside the resctrl root")
      expect(yield* refusal(testMode, root)).toBe("the resctrl root itself")
      expect([existsSync(join(victim, "keep")), existsSync(join(victim, "sub")), existsSync(join(root, "grp", "schemata"))])
        .toEqual([true, true, true])
      const message = yield* Effect.map(Effect.flatMap(managerFor(testMode, victim), (m) => Effect.flip(m.destroy)), (e) => e.message)
      expect(message).toBe(`refusing to remove ${victim}: outside the resctrl root (resctrl root ${root})`)
      yield* Effect.flatMap(managerFor(testMode, join(root, "grp")), (m) => m.destroy)
      expect(existsSync(join(root, "grp"))).toBe(false)
    }))
})
