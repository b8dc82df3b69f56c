/**
 * Every case of spec/vectors/validate-tests.md, table-driven, on this host
 * (node layers) and on a memory host seeded to match the vectors'
 * environment. Messages are asserted exactly wherever the vectors give them.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import * as Config from "../src/Config.js"
import * as Validate from "../src/Validate.js"
import { SELINUX_MAGIC } from "../src/internal/filesystemType.js"
import { describeWith, root, type Prerequisite } from "./support/prerequisites.js"
import { captureLogs, memoryLayer, nodeLayer, vectorSeed } from "./support/validateHosts.js"

type Json = Readonly<Record<string, unknown>>

/** Where the setup of V-2 and S-16 lives on one host. */
interface Paths {
  /** A directory holding `rootfs -> /var` (V-2 runs with it as the cwd). */
  readonly linkDir: string
  /** A file on which `/proc/self/ns/net` is bind-mounted (S-16). */
  readonly netnsFile: string
}

interface Vector {
  readonly id: string
  /** V = Validate, MS = strict mount check, RM = rootless mount-option check. */
  readonly call: "V" | "MS" | "RM"
  readonly config: Json | ((paths: Paths) => Json)
  /** `ok`, the exact message, or any one of several (map order). */
  readonly expected: "ok" | string | ReadonlyArray<string>
  /** The relative-destination warning is logged (M-*). */
  readonly warns?: boolean
  readonly cwd?: (paths: Paths) => string
  readonly needs?: ReadonlyArray<Prerequisite>
}

const ns = (...types: ReadonlyArray<string>) => types.map((type) => ({ type, path: "" }))
const base = (fields: Json = {}): Json => ({ rootfs: "/var", ...fields })

const MAP = [{ container_id: 0, host_id: 10000, size: 1 }]
const OTHER = [{ container_id: 10, host_id: 10, size: 1 }]
const MAP_TEXT = "[{ContainerID:0 HostID:10000 Size:1}]"
const OTHER_TEXT = "[{ContainerID:10 HostID:10 Size:1}]"

/** runc's rendering of the mounts these vectors use (validate.md §10). */
const renderMount = (m: {
  source?: string
  destination: string
  flags: number
  data?: string
  uid?: string
  gid?: string
}) =>
  `&{Source:${m.source ?? ""} Destination:${m.destination} Device: Flags:${m.flags} ClearedFlags:0 ` +
  `PropagationFlags:[] Data:${m.data ?? ""} Relabel: RecAttr:<nil> Extensions:0 ` +
  `UIDMappings:${m.uid ?? "[]"} GIDMappings:${m.gid ?? "[]"}}`

const RB = (fields: Json = {}): Json => ({
  rootfs: "/var",
  rootless_euid: true,
  rootless_cgroups: true,
  namespaces: ns("NEWUSER"),
  uid_mappings: [{ host_id: 1337, container_id: 0, size: 1 }],
  gid_mappings: [{ host_id: 7331, container_id: 0, size: 1 }],
  ...fields
})
const DEVPTS = (data: string) => ({ source: "devpts", destination: "/dev/pts", device: "devpts", flags: 0, data })
const wide = (kind: "uid" | "gid") => ({ [`${kind}_mappings`]: [{ host_id: kind === "uid" ? 1337 : 7331, container_id: 0, size: 10 }] })

const NS_MISSING_NET = "unable to apply network settings without a private NET namespace"
const PRIORITY = "scheduler.priority can only be specified for SchedFIFO or SchedRR policy"
const DEADLINE = "scheduler runtime/deadline/period can only be specified for SchedDeadline policy"
const BIND_DATA = "bind mounts cannot have any filesystem-specific options applied"
const NO_MAPPING = (kind: string, id: number) =>
  `cannot specify ${kind}=${id} mount option for rootless container: user namespaces enabled, but no mapping found for ${kind} ${id}`

const basic: ReadonlyArray<Vector> = [
  { id: "V-1", call: "V", config: base(), expected: "ok" },
  {
    id: "V-2",
    call: "V",
    config: { rootfs: "rootfs" },
    cwd: (paths) => paths.linkDir,
    expected: "invalid rootfs: not an absolute path, or a symlink"
  },
  { id: "V-3", call: "V", config: base({ namespaces: [], networks: [{ type: "loopback" }] }), expected: NS_MISSING_NET },
  { id: "V-4", call: "V", config: base({ namespaces: [], routes: [{ gateway: "255.255.255.0" }] }), expected: NS_MISSING_NET },
  { id: "V-5", call: "V", config: base({ hostname: "runc", namespaces: ns("NEWUTS") }), expected: "ok" },
  { id: "V-6", call: "V", config: base({ hostname: "runc", domainname: "runc", namespaces: ns("NEWUTS") }), expected: "ok" },
  { id: "V-7a", call: "V", config: base({ hostname: "runc" }), expected: "unable to set hostname without a private UTS namespace" },
  { id: "V-7b", call: "V", config: base({ domainname: "runc" }), expected: "unable to set domainname without a private UTS namespace" },
  { id: "V-8", call: "V", config: base({ mask_paths: ["/proc/kcore"], namespaces: ns("NEWNS") }), expected: "ok" },
  { id: "V-9", call: "V", config: base({ readonly_paths: ["/proc/sys"], namespaces: ns("NEWNS") }), expected: "ok" },
  {
    id: "V-10",
    call: "V",
    config: base({ mask_paths: ["/proc/kcore"], readonly_paths: ["/proc/sys"] }),
    expected: "unable to restrict sys entries without a private MNT namespace"
  },
  {
    id: "V-11",
    call: "V",
    config: base({
      namespaces: ns("NEWUSER"),
      uid_mappings: [{ host_id: 0, container_id: 123, size: 100 }],
      gid_mappings: [{ host_id: 0, container_id: 123, size: 100 }]
    }),
    expected: "ok"
  },
  {
    id: "V-12",
    call: "V",
    config: base({
      uid_mappings: [{ host_id: 0, container_id: 123, size: 100 }],
      gid_mappings: [{ host_id: 0, container_id: 123, size: 100 }]
    }),
    expected: "user namespace mappings specified, but user namespace isn't enabled in the config"
  },
  { id: "V-13", call: "V", config: base({ namespaces: ns("NEWTIME") }), expected: "ok" },
  {
    id: "V-14",
    call: "V",
    config: base({
      namespaces: [{ type: "NEWTIME", path: "/proc/1/ns/time" }],
      time_offsets: { boottime: { secs: 150, nanosecs: 314159 }, monotonic: { secs: 512, nanosecs: 271818 } }
    }),
    expected: "time namespace enabled, but both namespace path and time offsets specified -- you may only provide one"
  },
  {
    id: "V-15",
    call: "V",
    config: base({
      time_offsets: { boottime: { secs: 150, nanosecs: 314159 }, monotonic: { secs: 512, nanosecs: 271818 } }
    }),
    expected: "time namespace offsets specified, but time namespace isn't enabled in the config"
  }
]

const sysctl: ReadonlyArray<Vector> = [
  ...([
    ["S-1", "fs.mqueue.ctl", `sysctl "fs.mqueue.ctl" is not allowed in the hosts ipc namespace`],
    ["S-2", "fs/mqueue/ctl", `sysctl "fs.mqueue.ctl" is not allowed in the hosts ipc namespace`],
    ["S-3", "net.ctl", `sysctl "net.ctl" not allowed in host network namespace`],
    ["S-4", "net/ctl", `sysctl "net.ctl" not allowed in host network namespace`],
    ["S-5", "net.ipv4.conf.eno2/100.rp_filter", `sysctl "net.ipv4.conf.eno2/100.rp_filter" not allowed in host network namespace`],
    ["S-6", "kernel.ctl", `sysctl "kernel.ctl" is not in a separate kernel namespace`],
    ["S-7", "kernel/ctl", `sysctl "kernel.ctl" is not in a separate kernel namespace`]
  ] as const).map(([id, key, expected]): Vector => ({ id, call: "V", config: base({ sysctl: { [key]: "ctl" } }), expected })),
  ...([
    ["S-8", "fs.mqueue.ctl"],
    ["S-9", "fs/mqueue/ctl"],
    ["S-10", "net.ctl"],
    ["S-11", "net/ctl"],
    ["S-12", "net.ipv4.conf.eno2/100.rp_filter"],
    ["S-13", "kernel.msgmax"],
    ["S-14", "kernel/msgmax"]
  ] as const).map(([id, key]): Vector => ({
    id,
    call: "V",
    config: base({ sysctl: { [key]: "ctl" }, namespaces: ns("NEWNET", "NEWIPC") }),
    expected: "ok"
  })),
  {
    id: "S-15",
    call: "V",
    config: base({ sysctl: { "net.ctl": "ctl" }, namespaces: [{ type: "NEWNET", path: "/proc/self/ns/net" }] }),
    expected: `sysctl "net.ctl" not allowed in host network namespace`
  },
  {
    id: "S-16",
    call: "V",
    needs: [root],
    config: (paths) =>
      base({ sysctl: { "net.ctl": "ctl", "net.foo": "bar" }, namespaces: [{ type: "NEWNET", path: paths.netnsFile }] }),
    expected: [`sysctl "net.ctl" not allowed in host network namespace`, `sysctl "net.foo" not allowed in host network namespace`]
  },
  {
    id: "S-17",
    call: "V",
    config: base({ sysctl: { "net.ctl": "ctl" }, namespaces: [] }),
    expected: `sysctl "net.ctl" not allowed in host network namespace`
  }
]

const mountDestinations: ReadonlyArray<Vector> = ([
  ["M-1", "not/an/abs/path", true],
  ["M-2", "./rel/path", true],
  ["M-3", "./rel/path", true],
  ["M-4", "../../path", true],
  ["M-5", "/abs/path", false],
  ["M-6", "/abs/but/../unclean", false]
] as const).map(([id, destination, warns]): Vector => ({
  id,
  call: "V",
  config: base({ mounts: [{ destination }] }),
  expected: "ok",
  warns
}))

const bindMounts: ReadonlyArray<Vector> = ([
  ["B-1", 4096, ""],
  ["B-2", 20480, ""],
  ["B-3", 4353, ""],
  ["B-4", 20737, ""],
  ["B-5", 4096, "idmap"],
  ["B-6", 20480, "idmap"],
  ["B-7", 4097, "custom_ext4_flag"],
  ["B-8", 20481, "custom_ext4_flag"],
  ["B-9", 5120, "rw=foobar"],
  ["B-10", 21504, "rw=foobar"]
] as const).map(([id, flags, data]): Vector => ({
  id,
  call: "V",
  config: base({ mounts: [{ destination: "/", flags, data }] }),
  expected: data === "" ? "ok" : `invalid mount ${renderMount({ destination: "/", flags, data })}: ${BIND_DATA}`
}))

const idmapMount = (source: string, destination: string, flags: number, uid = MAP, gid = MAP) => ({
  source,
  destination,
  flags,
  uid_mappings: uid,
  gid_mappings: gid
})
const idmapText = (source: string, flags: number, uid = MAP_TEXT, gid = MAP_TEXT) =>
  renderMount({ source, destination: "/abs/path/", flags, uid, gid })

const idmapMounts: ReadonlyArray<Vector> = [
  {
    id: "I-1",
    call: "MS",
    config: base({ uid_mappings: MAP, gid_mappings: MAP, mounts: [idmapMount("/abs/path/", "/abs/path/", 0)] }),
    expected: "invalid mount &{Source:/abs/path/ Destination:/abs/path/ Device: Flags:0 ClearedFlags:0 PropagationFlags:[] " +
      "Data: Relabel: RecAttr:<nil> Extensions:0 UIDMappings:[{ContainerID:0 HostID:10000 Size:1}] " +
      "GIDMappings:[{ContainerID:0 HostID:10000 Size:1}]}: gidMappings/uidMappings is supported only for mounts with the option 'bind'"
  },
  {
    id: "I-2",
    call: "MS",
    config: base({
      rootless_euid: true,
      uid_mappings: MAP,
      gid_mappings: MAP,
      mounts: [idmapMount("/abs/path/", "/abs/path/", 4096)]
    }),
    expected: `invalid mount ${idmapText("/abs/path/", 4096)}: gidMappings/uidMappings is not supported when runc is ` +
      "being launched with EUID != 0, needs CAP_SYS_ADMIN on the runc parent's user namespace"
  },
  {
    id: "I-3",
    call: "MS",
    config: base({ mounts: [idmapMount("/abs/path/", "/abs/path/", 4096)] }),
    expected: `invalid mount ${idmapText("/abs/path/", 4096)}: ` +
      "not yet supported to use gidMappings/uidMappings in a mount without also using a user namespace"
  },
  {
    id: "I-4",
    call: "MS",
    config: base({ uid_mappings: MAP, gid_mappings: MAP, mounts: [idmapMount("/abs/path/", "/abs/path/", 4096, OTHER)] }),
    expected: `invalid mount ${idmapText("/abs/path/", 4096, OTHER_TEXT)}: ` +
      "not yet supported for the mount uidMappings to be different than user namespace uidMapping"
  },
  {
    id: "I-5",
    call: "MS",
    config: base({
      uid_mappings: MAP,
      gid_mappings: MAP,
      mounts: [idmapMount("/abs/path/", "/abs/path/", 4096, MAP, OTHER)]
    }),
    expected: `invalid mount ${idmapText("/abs/path/", 4096, MAP_TEXT, OTHER_TEXT)}: ` +
      "not yet supported for the mount gidMappings to be different than user namespace gidMapping"
  },
  {
    id: "I-6",
    call: "MS",
    config: base({ uid_mappings: MAP, gid_mappings: MAP, mounts: [idmapMount("./rel/path/", "/abs/path/", 4096)] }),
    expected: `invalid mount ${idmapText("./rel/path/", 4096)}: mount source not absolute`
  },
  {
    id: "I-7",
    call: "MS",
    config: base({ uid_mappings: MAP, gid_mappings: MAP, mounts: [idmapMount("/abs/path/", "./rel/path/", 4096)] }),
    expected: "ok"
  },
  {
    id: "I-8",
    call: "MS",
    config: base({ uid_mappings: MAP, gid_mappings: MAP, mounts: [idmapMount("/another-abs/path/", "/abs/path/", 4096)] }),
    expected: "ok"
  },
  {
    id: "I-9",
    call: "MS",
    config: base({ uid_mappings: MAP, gid_mappings: MAP, mounts: [idmapMount("/another-abs/path/", "/abs/path/", 4097)] }),
    expected: "ok"
  }
]

const scheduler: ReadonlyArray<Vector> = ([
  ["SC-1", { policy: "" }, "scheduler policy is required"],
  ["SC-2", { policy: "SCHED_OTHER", nice: 19 }, "ok"],
  ["SC-3", { policy: "SCHED_OTHER", nice: -20 }, "ok"],
  ["SC-4", { policy: "SCHED_OTHER", nice: 20 }, "invalid scheduler.nice: 20"],
  ["SC-5", { policy: "SCHED_OTHER", nice: -21 }, "invalid scheduler.nice: -21"],
  ["SC-6", { policy: "SCHED_OTHER", priority: 100 }, PRIORITY],
  ["SC-7", { policy: "SCHED_FIFO", priority: 100 }, "ok"],
  ["SC-8", { policy: "SCHED_FIFO", runtime: 20 }, DEADLINE],
  ["SC-9", { policy: "SCHED_BATCH", deadline: 30 }, DEADLINE],
  ["SC-10", { policy: "SCHED_IDLE", period: 40 }, DEADLINE],
  ["SC-11", { policy: "SCHED_DEADLINE", priority: 100 }, PRIORITY],
  ["SC-12", { policy: "SCHED_DEADLINE", runtime: 200 }, "ok"],
  ["SC-13", { policy: "SCHED_DEADLINE", deadline: 300 }, "ok"],
  ["SC-14", { policy: "SCHED_DEADLINE", period: 400 }, "ok"]
] as const).map(([id, fields, expected]): Vector => ({ id, call: "V", config: base({ scheduler: fields }), expected }))

const rootless: ReadonlyArray<Vector> = [
  { id: "R-1", call: "V", config: RB(), expected: "ok" },
  {
    id: "R-2",
    call: "V",
    config: RB({ namespaces: null }),
    expected: "user namespace mappings specified, but user namespace isn't enabled in the config"
  },
  { id: "R-3", call: "V", config: RB({ uid_mappings: null }), expected: "rootless containers requires at least one UID mapping" },
  { id: "R-4", call: "V", config: RB({ gid_mappings: null }), expected: "rootless containers requires at least one GID mapping" },
  { id: "R-5", call: "V", config: RB({ mounts: [DEVPTS("")] }), expected: "ok" },
  { id: "R-6", call: "V", config: RB({ mounts: [DEVPTS("uid=5")] }), expected: NO_MAPPING("uid", 5) },
  { id: "R-7", call: "V", config: RB({ mounts: [DEVPTS("uid=0")] }), expected: "ok" },
  { id: "R-8", call: "V", config: RB({ ...wide("uid"), mounts: [DEVPTS("uid=2")] }), expected: "ok" },
  { id: "R-9", call: "V", config: RB({ ...wide("uid"), mounts: [DEVPTS("uid=20")] }), expected: NO_MAPPING("uid", 20) },
  { id: "R-10", call: "V", config: RB({ mounts: [DEVPTS("")] }), expected: "ok" },
  { id: "R-11", call: "V", config: RB({ mounts: [DEVPTS("gid=5")] }), expected: NO_MAPPING("gid", 5) },
  { id: "R-12", call: "V", config: RB({ mounts: [DEVPTS("gid=0")] }), expected: "ok" },
  { id: "R-13", call: "V", config: RB({ ...wide("gid"), mounts: [DEVPTS("gid=5")] }), expected: "ok" },
  { id: "R-14", call: "V", config: RB({ ...wide("gid"), mounts: [DEVPTS("gid=11")] }), expected: NO_MAPPING("gid", 11) },
  {
    id: "R-15",
    call: "RM",
    config: RB({ ...wide("gid"), mounts: [DEVPTS("newinstance,ptmxmode=0666,mode=0620,uid=0,gid=5")] }),
    expected: "ok"
  }
]

const extra: ReadonlyArray<Vector> = [
  { id: "X-1", call: "V", config: { rootfs: "/nonexistent" }, expected: "invalid rootfs: stat /nonexistent: no such file or directory" },
  { id: "X-2", call: "V", config: { rootfs: "" }, expected: "invalid rootfs: stat : no such file or directory" },
  {
    id: "X-3",
    call: "V",
    config: base({ namespaces: ns("NEWUSER") }),
    expected: "user namespaces enabled, but no namespace path to join nor mappings to apply specified"
  },
  { id: "X-4", call: "V", config: base({ namespaces: ns("NEWUSER"), uid_mappings: [] }), expected: "ok" },
  {
    id: "X-5",
    call: "V",
    config: base({ uid_mappings: [] }),
    expected: "user namespace mappings specified, but user namespace isn't enabled in the config"
  },
  {
    id: "X-6",
    call: "V",
    config: base({ time_offsets: {} }),
    expected: "time namespace offsets specified, but time namespace isn't enabled in the config"
  },
  {
    id: "X-7",
    call: "V",
    config: base({ sysctl: { "kernel.hostname": "x" }, namespaces: ns("NEWUTS") }),
    expected: `sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field`
  },
  { id: "X-8", call: "V", config: base({ sysctl: { "kernel.domainname": "x" }, namespaces: ns("NEWUTS") }), expected: "ok" },
  {
    id: "X-9",
    call: "V",
    config: base({ sysctl: { "kernel.domainname": "x" } }),
    expected: `sysctl "kernel.domainname" is not in a separate kernel namespace`
  },
  {
    id: "X-10",
    call: "V",
    config: base({ sysctl: { "net.ctl": "x" }, namespaces: [{ type: "NEWNET", path: "/nonexistent" }] }),
    expected: "invalid netns path: stat /nonexistent: no such file or directory"
  },
  { id: "X-11", call: "V", config: base({ intel_rdt: { closID: "a/b" } }), expected: `invalid intelRdt.ClosID "a/b"` },
  {
    id: "X-12",
    call: "V",
    config: base({ intel_rdt: { l3_cache_schema: "L3:0=f" } }),
    expected: "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled"
  },
  {
    id: "X-13",
    call: "V",
    config: base({ intel_rdt: { memBwSchema: "MB:0=20" } }),
    expected: "intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled"
  },
  {
    id: "X-14",
    call: "V",
    config: base({ cgroups: { name: "a", path: "/b" } }),
    expected: "cgroup: either Path or Name and Parent should be used, got &{Name:a Parent: Path:/b ScopePrefix: " +
      "Resources:<nil> Systemd:false SystemdProps:[] Rootless:false OwnerUID:<nil>}"
  },
  {
    id: "X-15",
    call: "V",
    config: base({ cgroups: { unified: {} } }),
    expected: "invalid configuration: cannot use unified on cgroup v1"
  },
  {
    id: "X-16",
    call: "V",
    config: RB({
      namespaces: [{ type: "NEWUSER", path: "/proc/1/ns/user" }],
      uid_mappings: null,
      gid_mappings: null,
      mounts: [DEVPTS("uid=0")]
    }),
    expected: "cannot specify uid=0 mount option for rootless container: user namespaces enabled, but no uid mappings found"
  },
  {
    id: "X-17",
    call: "V",
    config: base({ process_label: "x" }),
    expected: "selinux label is specified in config, but selinux is disabled or not supported"
  },
  {
    id: "X-18",
    call: "V",
    config: base({ sysctl: { "kernel.ctl": "x" }, namespaces: ns("NEWUTS") }),
    expected: `sysctl "kernel.ctl" is not in a separate kernel namespace`
  }
]

const tables: ReadonlyArray<readonly [string, ReadonlyArray<Vector>]> = [
  ["§1 basic checks", basic],
  ["§3 sysctl validation", sysctl],
  ["§4 mount destinations", mountDestinations],
  ["§5 bind-mount options", bindMounts],
  ["§6 id-mapped mounts (strict mount check)", idmapMounts],
  ["§7 scheduler", scheduler],
  ["§8 rootless", rootless],
  ["§10 extra message vectors", extra]
]

const decode = (json: Json): Config.Config => Either.getOrThrow(Config.decodeJson(JSON.stringify(json)))

const WARNING = (destination: string) =>
  `mount ${renderMount({ destination, flags: 0 })}: relative destination path is **deprecated**, using it as relative to /`

const check = (vector: Vector, paths: Paths) =>
  Effect.gen(function*() {
    const config = decode(typeof vector.config === "function" ? vector.config(paths) : vector.config)
    const call = vector.call === "MS"
      ? Validate.checkMounts(config)
      : vector.call === "RM"
      ? Validate.checkRootlessMounts(config)
      : Validate.validate(config, vector.cwd === undefined ? {} : { cwd: vector.cwd(paths) })
    const [result, logs] = yield* captureLogs(Effect.either(call))
    if (vector.expected === "ok") {
      expect(Either.getLeft(result).pipe((e) => e._tag === "Some" ? e.value.message : "ok")).toBe("ok")
    } else {
      expect(Either.isLeft(result)).toBe(true)
      const error = Either.getOrThrowWith(Either.flip(result), () => new Error("expected a failure"))
      expect(error._tag).toBe("ConfigInvalid")
      if (typeof vector.expected === "string") expect(error.message).toBe(vector.expected)
      else expect(vector.expected).toContain(error.message)
    }
    const warnings = logs.filter((line) => line.level === "WARN")
    if (vector.warns === true) {
      const destination = (decode(vector.config as Json).mounts ?? [])[0]!.destination
      expect(warnings).toEqual([{ level: "WARN", message: "configuration", annotations: { error: WARNING(destination) } }])
    } else {
      expect(warnings).toEqual([])
    }
  })

interface Host {
  readonly name: string
  /** The real host, where prerequisites such as root apply. */
  readonly real: boolean
  readonly layer: Layer.Layer<Validate.Services>
  readonly paths: Paths
  readonly setup: () => void
  readonly teardown: () => void
}

const nodeHost = (): Host => {
  let dir = ""
  let mounted = false
  const paths = {
    get linkDir() {
      return join(dir, "cwd")
    },
    get netnsFile() {
      return join(dir, "netns")
    }
  }
  return {
    name: "node layer (this host)",
    real: true,
    layer: nodeLayer,
    paths,
    setup: () => {
      dir = realpathSync(mkdtempSync(join(tmpdir(), "validate-vectors-")))
      mkdirSync(paths.linkDir)
      symlinkSync("/var", join(paths.linkDir, "rootfs"))
      writeFileSync(paths.netnsFile, "")
      if (root.present()) {
        execFileSync("mount", ["--bind", "/proc/self/ns/net", paths.netnsFile])
        mounted = true
      }
    },
    teardown: () => {
      if (mounted) execFileSync("umount", ["-l", paths.netnsFile])
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The memory host: `rootfs -> /var` in `/work`, and `F` standing for the bind mount (same device and inode). */
const memoryHost: Host = {
  name: "memory layer (seeded)",
  real: false,
  layer: memoryLayer(vectorSeed({
    entries: [
      { type: "dir", path: "/work", mode: 0o755 },
      { type: "symlink", path: "/work/rootfs", target: "/var" },
      { type: "symlink", path: "/tmp/netns", target: "/proc/self/ns/net" }
    ]
  })),
  paths: { linkDir: "/work", netnsFile: "/tmp/netns" },
  setup: () => {},
  teardown: () => {}
}

for (const host of [nodeHost(), memoryHost]) {
  describe(host.name, () => {
    beforeAll(() => host.setup())
    afterAll(() => host.teardown())
    layer(host.layer)((it) => {
      for (const [title, vectors] of tables) {
        describe(title, () => {
          for (const vector of vectors) {
            const test = () => it.effect(`${vector.id} (${vector.call})`, () => check(vector, host.paths))
            if (host.real && vector.needs !== undefined) describeWith(vector.needs, vector.id, test)
            else test()
          }
        })
      }
    })
  })
}

describe("§2 sysctl name normaliser (CONV)", () => {
  it.each([
    ["C-1", "kernel.shm_rmid_forced", "kernel.shm_rmid_forced"],
    ["C-2", "kernel/shm_rmid_forced", "kernel.shm_rmid_forced"],
    ["C-3", "net.ipv4.conf.eno2/100.rp_filter", "net.ipv4.conf.eno2/100.rp_filter"],
    ["C-4", "net/ipv4/conf/eno2.100/rp_filter", "net.ipv4.conf.eno2/100.rp_filter"],
    ["C-5", "net/ipv4/ip_local_port_range", "net.ipv4.ip_local_port_range"],
    ["C-6", "kernel/msgmax", "kernel.msgmax"],
    ["C-7", "kernel/sem", "kernel.sem"]
  ])("%s %s", (_id, input, output) => {
    expect(Validate.convertSysctlVariableToDotsSeparator(input)).toBe(output)
  })
})

describe("§9 swap conversion (SWAP)", () => {
  it.each([
    ["U-1", 0n, 0n, 0n],
    ["U-2", -1n, 0n, -1n],
    ["U-3", -1n, -1n, -1n],
    ["U-4", -2n, 0n, "unable to set swap limit without memory limit"],
    ["U-5", -1n, 1000n, -1n],
    ["U-6", 1000n, 1000n, 0n],
    ["U-7", 500n, 200n, 300n],
    ["U-8", 300n, 400n, "memory+swap limit should be >= memory limit"],
    ["U-9", 300n, 0n, "unable to set swap limit without memory limit"],
    ["U-10", 300n, -300n, "invalid memory value: -300"],
    ["U-11", 300n, -1n, "unable to set swap limit without memory limit"]
  ] as const)("%s swap=%s memory=%s", (_id, swap, memory, expected) => {
    const result = Validate.convertMemorySwapToCgroupV2Value(swap, memory)
    expect(Either.isRight(result) ? result.right : result.left.message).toBe(expected)
  })
})

// ---------------------------------------------------------------------------
// Beyond the vectors: the host facts behind the rules, seeded both ways.

const failureOf = (json: Json, options: Validate.ValidateOptions = {}) =>
  Effect.map(Effect.either(Validate.validate(decode(json), options)), (result) =>
    Either.isLeft(result) ? { check: result.left.check, message: result.left.message } : "ok")

const selinuxHost = (options: { readonly label?: string; readonly ro?: boolean; readonly listed?: boolean } = {}) =>
  vectorSeed({
    entries: [
      { type: "file", path: "/proc/filesystems", content: `nodev\tsysfs\n${options.listed === false ? "" : "nodev\tselinuxfs\n"}` },
      // selinuxfs mounted: the host's mount table, hence its /proc/self/mountinfo, shows it
      { type: "dir", path: "/sys/fs/selinux", filesystem: SELINUX_MAGIC, mountOptions: options.ro === true ? "ro,relatime" : "rw,relatime" },
      { type: "dir", path: "/proc/thread-self" },
      { type: "dir", path: "/proc/thread-self/attr" },
      { type: "file", path: "/proc/thread-self/attr/current", content: `${options.label ?? "system_u:system_r:unconfined_t:s0"}\0` }
    ]
  })

describe("host facts (memory layer, seeded)", () => {
  layer(memoryLayer(vectorSeed(), { mode: "unified" }))("cgroup v2 unified host", (it) => {
    it.effect("accepts unified and converts swap, returning its errors unchanged", () =>
      Effect.gen(function*() {
        expect(yield* failureOf(base({ cgroups: { unified: {} } }))).toBe("ok")
        expect(yield* failureOf(base({ cgroups: { memory: 400, memory_swap: 300 } }))).toEqual({
          check: "cgroups",
          message: "memory+swap limit should be >= memory limit"
        })
        expect(yield* failureOf(base({ cgroups: { memory_swap: 300 } }))).toEqual({
          check: "cgroups",
          message: "unable to set swap limit without memory limit"
        })
        expect(yield* failureOf(base({ cgroups: { memory: -300, memory_swap: 300 } }))).toEqual({
          check: "cgroups",
          message: "invalid memory value: -300"
        })
        expect(yield* failureOf(base({ cgroups: { memory: 200, memory_swap: 500 } }))).toBe("ok")
      }))
  })

  layer(memoryLayer(vectorSeed(), { mode: "failing" }))("cgroup mode probe failing", (it) => {
    it.effect("is read as cgroup v1 with a warning, as runc's IsCgroup2UnifiedMode does", () =>
      Effect.gen(function*() {
        const [result, logs] = yield* captureLogs(failureOf(base({ cgroups: { unified: {} } })))
        expect(result).toEqual({ check: "cgroups", message: "invalid configuration: cannot use unified on cgroup v1" })
        expect(logs.map((line) => [line.level, line.message])).toEqual([
          ["WARN", "statfs /sys/fs/cgroup: permission denied; assuming cgroup v1"]
        ])
        expect(yield* failureOf(base({ cgroups: { memory: 400, memory_swap: 300 } }))).toBe("ok")
      }))
  })

  layer(memoryLayer({ bare: true, entries: [{ type: "dir", path: "/var" }, { type: "dir", path: "/proc/self/ns" }] }))(
    "kernel without namespace files",
    (it) => {
      it.effect("reports user, cgroup and time namespaces as not enabled", () =>
        Effect.gen(function*() {
          expect(yield* failureOf(base({ namespaces: ns("NEWUSER"), uid_mappings: [] }))).toEqual({
            check: "namespaces",
            message: "user namespaces aren't enabled in the kernel"
          })
          expect(yield* failureOf(base({ namespaces: ns("NEWCGROUP") }))).toEqual({
            check: "namespaces",
            message: "cgroup namespaces aren't enabled in the kernel"
          })
          expect(yield* failureOf(base({ namespaces: ns("NEWTIME") }))).toEqual({
            check: "namespaces",
            message: "time namespaces aren't enabled in the kernel"
          })
          expect(yield* failureOf(base({ sysctl: { "net.ctl": "x" }, namespaces: [{ type: "NEWNET", path: "/var" }] })))
            .toEqual({ check: "sysctl", message: "invalid netns path: stat /proc/self/ns/net: no such file or directory" })
        }))
    }
  )

  layer(memoryLayer({ entries: [{ type: "dir", path: "/var" }] }))("default tree (no /proc/self/timens_offsets)", (it) => {
    it.effect("takes time namespaces from timens_offsets, not /proc/self/ns/time", () =>
      Effect.gen(function*() {
        expect(yield* failureOf(base({ namespaces: ns("NEWTIME") }))).toEqual({
          check: "namespaces",
          message: "time namespaces aren't enabled in the kernel"
        })
      }))
  })

  for (
    const [name, seed, expected] of [
      ["SELinux enabled", selinuxHost(), "ok"],
      ["SELinux with the kernel label", selinuxHost({ label: "kernel" }), "disabled"],
      ["selinuxfs mounted read-only", selinuxHost({ ro: true }), "disabled"],
      ["selinuxfs not in /proc/filesystems", selinuxHost({ listed: false }), "disabled"]
    ] as const
  ) {
    layer(memoryLayer(seed))(name, (it) => {
      it.effect(`process_label is ${expected === "ok" ? "accepted" : "rejected"}`, () =>
        Effect.gen(function*() {
          expect(yield* failureOf(base({ process_label: "system_u:system_r:container_t:s0" }))).toEqual(
            expected === "ok"
              ? "ok"
              : { check: "security", message: "selinux label is specified in config, but selinux is disabled or not supported" }
          )
        }))
    })
  }

  layer(memoryLayer(vectorSeed(), { resctrl: { cat: true } }))("resctrl with CAT only", (it) => {
    it.effect("accepts an L3 schema and rejects an MB schema", () =>
      Effect.gen(function*() {
        expect(yield* failureOf(base({ intel_rdt: { l3_cache_schema: "L3:0=f" } }))).toBe("ok")
        expect(yield* failureOf(base({ intel_rdt: { closID: "..", l3_cache_schema: "L3:0=f" } }))).toEqual({
          check: "intelRdt",
          message: `invalid intelRdt.ClosID ".."`
        })
        expect(yield* failureOf(base({ intel_rdt: { l3_cache_schema: "L3:0=f", memBwSchema: "MB:0=20" } }))).toEqual({
          check: "intelRdt",
          message: "intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled"
        })
      }))
  })

  layer(memoryLayer(vectorSeed({
    entries: [
      { type: "dir", path: "/work" },
      { type: "symlink", path: "/work/rootfs", target: "/var" },
      { type: "symlink", path: "/proc/self/cwd", target: "/work" },
      { type: "symlink", path: "/var/run", target: "/run" }
    ]
  })))("rootfs paths", (it) => {
    it.effect("takes the working directory from /proc/self/cwd unless given", () =>
      Effect.gen(function*() {
        expect(yield* failureOf({ rootfs: "rootfs" })).toEqual({
          check: "rootfs",
          message: "invalid rootfs: not an absolute path, or a symlink"
        })
        expect(yield* failureOf({ rootfs: "rootfs" }, { cwd: "/tmp" })).toEqual({
          check: "rootfs",
          message: "invalid rootfs: stat rootfs: no such file or directory"
        })
      }))
  })
})

describe("rootfs on both layers", () => {
  const rootfsCases = [
    ["/var/", "ok"],
    ["//var//.", "ok"],
    ["/run/../var", "ok"],
    ["/var/run/../var", "invalid rootfs: lstat /var/var: no such file or directory"],
    ["/var/run", "invalid rootfs: not an absolute path, or a symlink"],
    ["/var/run/", "invalid rootfs: not an absolute path, or a symlink"],
    ["var", "invalid rootfs: stat var: no such file or directory"],
    ["/etc/passwd/", "invalid rootfs: stat /etc/passwd/: not a directory"]
  ] as const
  const seeded = memoryLayer(vectorSeed({ entries: [{ type: "symlink", path: "/var/run", target: "/run" }] }))
  for (const [name, hostLayer] of [["node layer", nodeLayer], ["memory layer", seeded]] as const) {
    layer(hostLayer)(name, (it) => {
      it.effect("cleans lexically before resolving symlinks, and rejects any symlink (needs /var/run -> /run)", () =>
        Effect.gen(function*() {
          for (const [rootfs, expected] of rootfsCases) {
            const result = yield* failureOf({ rootfs }, { cwd: "/tmp" })
            expect([rootfs, result === "ok" ? "ok" : result.message]).toEqual([rootfs, expected])
          }
        }))
    })
  }

  layer(nodeLayer)("node layer, default cwd", (it) => {
    it.effect("is this process's cwd", () =>
      Effect.gen(function*() {
        expect(process.cwd()).not.toBe("/")
        expect(yield* failureOf({ rootfs: "var" })).toEqual({
          check: "rootfs",
          message: "invalid rootfs: stat var: no such file or directory"
        })
      }))
  })
})

describe("relative mount destinations", () => {
  layer(memoryLayer())((it) => {
    it.effect("log only the first one, and only when every check passes", () =>
      Effect.gen(function*() {
        const mounts = [{ destination: "/ok" }, { destination: "first" }, { destination: "second" }]
        const [, logs] = yield* captureLogs(failureOf(base({ mounts })))
        expect(logs.map((line) => line.annotations["error"])).toEqual([WARNING("first")])
        const [result, none] = yield* captureLogs(failureOf(base({ mounts, hostname: "x" })))
        expect(result).not.toBe("ok")
        expect(none).toEqual([])
      }))
  })
})

/** runc 1.1.5's `%+v` of a `*configs.Mount` (no ClearedFlags, no id mappings; Premount/PostmountCmds). */
const renderMount115 = (m: { source?: string; destination: string; flags: number; data?: string }) =>
  `&{Source:${m.source ?? ""} Destination:${m.destination} Device: Flags:${m.flags} PropagationFlags:[] ` +
  `Data:${m.data ?? ""} Relabel: RecAttr:<nil> Extensions:0 PremountCmds:[] PostmountCmds:[]}`

describe("runc 1.1.5's rules (rules: \"runc-1.1.5\", what the Runtime's pre-flight uses)", () => {
  layer(memoryLayer())((it) => {
    it.effect("no mountsStrict and no scheduler rule: every bind-data, id-mapped mount and scheduler vector the default refuses passes", () =>
      Effect.gen(function*() {
        const refusedByDefault = [...bindMounts, ...idmapMounts, ...scheduler].filter((v) =>
          v.call === "V" && v.expected !== "ok" && typeof v.config !== "function"
        )
        expect(refusedByDefault.length).toBeGreaterThanOrEqual(10)
        for (const vector of refusedByDefault) {
          const config = vector.config as Json
          expect(yield* failureOf(config), vector.id).not.toBe("ok")
          expect(yield* failureOf(config, { rules: "runc-1.1.5" }), vector.id).toBe("ok")
        }
      }))

    it.effect("the other checks refuse as by default", () =>
      Effect.gen(function*() {
        for (const vector of [...basic, ...rootless].filter((v) => typeof v.config !== "function" && v.call === "V" && v.needs === undefined)) {
          const config = vector.config as Json
          expect(yield* failureOf(config, { rules: "runc-1.1.5" }), vector.id).toEqual(yield* failureOf(config))
        }
      }))

    it.effect("a relative destination is logged as runc 1.1.5 logs it: `invalid configuration`, `… mount destination not absolute`", () =>
      Effect.gen(function*() {
        const mounts = [{ destination: "/ok" }, { source: "/tmp", destination: "tmp", flags: 20481, data: "mode=755" }]
        const [result, logs] = yield* captureLogs(failureOf(base({ mounts }), { rules: "runc-1.1.5" }))
        expect(result).toBe("ok")
        expect(logs.filter((line) => line.level === "WARN")).toEqual([{
          level: "WARN",
          message: "invalid configuration",
          annotations: {
            error: `invalid mount ${renderMount115({ source: "/tmp", destination: "tmp", flags: 20481, data: "mode=755" })}: mount destination not absolute`
          }
        }])
      }))
  })
})
