/**
 * runc 1.1.5's `libcontainer/specconv` `CreateLibcontainerConfig`: an OCI
 * spec to the `configs.Config` runc saves in state.json, field for field,
 * with runc's error texts and in runc's order of checks. Warnings runc logs
 * (a relative mount destination, kernel memory limits) are logged with
 * `Effect.logWarning`.
 *
 * The one liberty: runc turns annotations into `labels` in Go's random map
 * order; here they come sorted by key (bytes), then `bundle=<dir>` last as
 * in runc.
 */
import * as Effect from "effect/Effect"
import * as Config from "../../Config.js"
import { compareBytes } from "../byteOrder.js"
import * as GoPath from "../path.js"
import { quote } from "../strconv.js"
import { cleanPath } from "../../ContainerId.js"
import { convertCpuSharesToV2 } from "../cgroups/update/convert.js"
import { SpecInvalid } from "./errors.js"
import { capabilitiesOf } from "./process.js"
import type * as Spec from "./spec.js"
import { initSystemdProps } from "./systemd.js"

/** The OCI runtime-spec version runc 1.1.5 records in `version` (`specs.Version`). */
export const specVersion = "1.0.2-dev"

/** runc's `specconv.CreateOpts`, less the spec. */
export interface ConvertOptions {
  /**
   * The bundle directory as runc sees its working directory after
   * `chdir(bundle)` (`os.Getwd`): absolute, and with symlinks resolved
   * unless `$PWD` names the same directory. A relative rootfs and bind
   * source are taken from here, and it is recorded as the `bundle=` label.
   */
  readonly bundle: string
  /** The cgroup name when the spec has no `cgroupsPath`: runc passes the container id. */
  readonly cgroupName: string
  /** `runc --systemd-cgroup`. */
  readonly useSystemdCgroup?: boolean
  /** `--no-pivot`. */
  readonly noPivotRoot?: boolean
  /** `--no-new-keyring`. */
  readonly noNewKeyring?: boolean
  /** runc sets it when its effective uid is not 0. */
  readonly rootlessEUID?: boolean
  /** runc's `shouldUseRootlessCgroupManager` (`--rootless`, or auto-detected). */
  readonly rootlessCgroups?: boolean
}

const invalid = (message: string) => new SpecInvalid({ message })

// ---------------------------------------------------------------------------
// Mount flags (golang.org/x/sys/unix)

/** `MS_*` mount flags. */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  REC: 0x4000,
  SILENT: 0x8000,
  POSIXACL: 0x10000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  I_VERSION: 0x800000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000
} as const

/** `MOUNT_ATTR_*` flags of `mount_setattr(2)`. */
export const MOUNT_ATTR = {
  RDONLY: 0x1n,
  NOSUID: 0x2n,
  NODEV: 0x4n,
  NOEXEC: 0x8n,
  _ATIME: 0x70n,
  RELATIME: 0x0n,
  NOATIME: 0x10n,
  STRICTATIME: 0x20n,
  NODIRATIME: 0x80n,
  NOSYMFOLLOW: 0x200000n
} as const

/** runc's `configs.EXT_COPYUP` (the `tmpcopyup` option). */
export const EXT_COPYUP = 1

/** The propagation options and their flags (`mountPropagationMapping`); `""` is 0. */
export const mountPropagation: ReadonlyMap<string, number> = new Map([
  ["rprivate", MS.PRIVATE | MS.REC],
  ["private", MS.PRIVATE],
  ["rslave", MS.SLAVE | MS.REC],
  ["slave", MS.SLAVE],
  ["rshared", MS.SHARED | MS.REC],
  ["shared", MS.SHARED],
  ["runbindable", MS.UNBINDABLE | MS.REC],
  ["unbindable", MS.UNBINDABLE],
  ["", 0]
])

/** Mount options that set (or, `clear`, unset) a mount flag (`mountFlags`). */
export const mountFlags: ReadonlyMap<string, { readonly clear: boolean; readonly flag: number }> = new Map([
  ["acl", { clear: false, flag: MS.POSIXACL }],
  ["async", { clear: true, flag: MS.SYNCHRONOUS }],
  ["atime", { clear: true, flag: MS.NOATIME }],
  ["bind", { clear: false, flag: MS.BIND }],
  ["defaults", { clear: false, flag: 0 }],
  ["dev", { clear: true, flag: MS.NODEV }],
  ["diratime", { clear: true, flag: MS.NODIRATIME }],
  ["dirsync", { clear: false, flag: MS.DIRSYNC }],
  ["exec", { clear: true, flag: MS.NOEXEC }],
  ["iversion", { clear: false, flag: MS.I_VERSION }],
  ["lazytime", { clear: false, flag: MS.LAZYTIME }],
  ["loud", { clear: true, flag: MS.SILENT }],
  ["mand", { clear: false, flag: MS.MANDLOCK }],
  ["noacl", { clear: true, flag: MS.POSIXACL }],
  ["noatime", { clear: false, flag: MS.NOATIME }],
  ["nodev", { clear: false, flag: MS.NODEV }],
  ["nodiratime", { clear: false, flag: MS.NODIRATIME }],
  ["noexec", { clear: false, flag: MS.NOEXEC }],
  ["noiversion", { clear: true, flag: MS.I_VERSION }],
  ["nolazytime", { clear: true, flag: MS.LAZYTIME }],
  ["nomand", { clear: true, flag: MS.MANDLOCK }],
  ["norelatime", { clear: true, flag: MS.RELATIME }],
  ["nostrictatime", { clear: true, flag: MS.STRICTATIME }],
  ["nosuid", { clear: false, flag: MS.NOSUID }],
  ["nosymfollow", { clear: false, flag: MS.NOSYMFOLLOW }],
  ["rbind", { clear: false, flag: MS.BIND | MS.REC }],
  ["relatime", { clear: false, flag: MS.RELATIME }],
  ["remount", { clear: false, flag: MS.REMOUNT }],
  ["ro", { clear: false, flag: MS.RDONLY }],
  ["rw", { clear: true, flag: MS.RDONLY }],
  ["silent", { clear: false, flag: MS.SILENT }],
  ["strictatime", { clear: false, flag: MS.STRICTATIME }],
  ["suid", { clear: true, flag: MS.NOSUID }],
  ["sync", { clear: false, flag: MS.SYNCHRONOUS }],
  ["symfollow", { clear: true, flag: MS.NOSYMFOLLOW }]
])

/** Recursive mount attributes (`recAttrFlags`): `rro`, `rnosuid`, … */
export const recAttrFlags: ReadonlyMap<string, { readonly clear: boolean; readonly flag: bigint }> = new Map([
  ["rro", { clear: false, flag: MOUNT_ATTR.RDONLY }],
  ["rrw", { clear: true, flag: MOUNT_ATTR.RDONLY }],
  ["rnosuid", { clear: false, flag: MOUNT_ATTR.NOSUID }],
  ["rsuid", { clear: true, flag: MOUNT_ATTR.NOSUID }],
  ["rnodev", { clear: false, flag: MOUNT_ATTR.NODEV }],
  ["rdev", { clear: true, flag: MOUNT_ATTR.NODEV }],
  ["rnoexec", { clear: false, flag: MOUNT_ATTR.NOEXEC }],
  ["rexec", { clear: true, flag: MOUNT_ATTR.NOEXEC }],
  ["rnodiratime", { clear: false, flag: MOUNT_ATTR.NODIRATIME }],
  ["rdiratime", { clear: true, flag: MOUNT_ATTR.NODIRATIME }],
  ["rrelatime", { clear: false, flag: MOUNT_ATTR.RELATIME }],
  ["rnorelatime", { clear: true, flag: MOUNT_ATTR.RELATIME }],
  ["rnoatime", { clear: false, flag: MOUNT_ATTR.NOATIME }],
  ["ratime", { clear: true, flag: MOUNT_ATTR.NOATIME }],
  ["rstrictatime", { clear: false, flag: MOUNT_ATTR.STRICTATIME }],
  ["rnostrictatime", { clear: true, flag: MOUNT_ATTR.STRICTATIME }],
  ["rnosymfollow", { clear: false, flag: MOUNT_ATTR.NOSYMFOLLOW }],
  ["rsymfollow", { clear: true, flag: MOUNT_ATTR.NOSYMFOLLOW }]
])

/**
 * runc's `parseMountOptions`: each option sets or clears a mount flag, adds
 * a propagation flag, sets or clears a recursive attribute, or sets an
 * extension; anything else (`mode=755`, `defaults`, `""`) joins `data`.
 */
export const parseMountOptions = (options: ReadonlyArray<string> | null | undefined): Config.Mount => {
  let flags = 0
  let extensions = 0
  let propagation: Array<number> | null = null
  let recSet = 0n
  let recClr = 0n
  const data: Array<string> = []
  for (const o of options ?? []) {
    const flag = mountFlags.get(o)
    const prop = mountPropagation.get(o)
    const rec = recAttrFlags.get(o)
    if (flag !== undefined && flag.flag !== 0) {
      flags = flag.clear ? flags & ~flag.flag : flags | flag.flag
    } else if (prop !== undefined && prop !== 0) {
      ;(propagation ??= []).push(prop)
    } else if (rec !== undefined) {
      if (rec.clear) {
        recClr |= rec.flag
      } else {
        recSet |= rec.flag
        // mount_setattr(2): an atime mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr.
        if ((rec.flag & MOUNT_ATTR._ATIME) === rec.flag) recClr |= MOUNT_ATTR._ATIME
      }
    } else if (o === "tmpcopyup") {
      extensions |= EXT_COPYUP
    } else {
      data.push(o)
    }
  }
  return {
    source: "",
    destination: "",
    device: "",
    flags,
    cleared_flags: 0,
    propagation_flags: propagation,
    data: data.join(","),
    relabel: "",
    rec_attr: recSet !== 0n || recClr !== 0n
      ? { Attr_set: recSet, Attr_clr: recClr, Propagation: 0n, Userns_fd: 0n }
      : null,
    extensions
  }
}

/**
 * Go's `%+v` of a `specs.Mount`, as runc's `invalid mount %+v` prints it —
 * with the `UIDMappings`/`GIDMappings` fields of the runtime-spec snapshot
 * Debian builds runc 1.1.5 against (the copy upstream vendors has none, and
 * its text ends after `Options`).
 */
const formatMount = (m: Spec.Mount): string => {
  const ids = (list: ReadonlyArray<Spec.LinuxIDMapping> | null | undefined) =>
    `[${(list ?? []).map((x) => `{ContainerID:${x.containerID} HostID:${x.hostID} Size:${x.size}}`).join(" ")}]`
  return `{Destination:${m.destination} Type:${m.type ?? ""} Source:${m.source ?? ""} Options:[${
    (m.options ?? []).join(" ")
  }] UIDMappings:${ids(m.uidMappings)} GIDMappings:${ids(m.gidMappings)}}`
}

const isAbs = (p: string): boolean => p.startsWith("/")

/** runc's `createLibcontainerMount`. */
const createMount = Effect.fnUntraced(function*(cwd: string, m: Spec.Mount) {
  if (!isAbs(m.destination)) {
    yield* Effect.logWarning(
      `mount destination ${m.destination} is not absolute. Support for non-absolute mount destinations will be removed in a future release.`
    )
  }
  const mount = parseMountOptions(m.options)
  let source = m.source ?? ""
  let device = m.type ?? ""
  if ((mount.flags & MS.BIND) !== 0) {
    device = "bind"
    if (!isAbs(source)) source = GoPath.join(cwd, m.source ?? "")
  }
  if (source.includes("\0") || m.destination.includes("\0") || device.includes("\0")) {
    return yield* invalid(`invalid mount ${formatMount(m)}: mount field contains null byte`)
  }
  return { ...mount, source, destination: m.destination, device }
})

// ---------------------------------------------------------------------------
// Devices

const charDevice = 99 // 'c'
const blockDevice = 98 // 'b'
const fifoDevice = 112 // 'p'
const wildcardDevice = 97 // 'a'

const node = (path: string, major: bigint, minor: bigint): Config.Device => ({
  type: charDevice,
  major,
  minor,
  permissions: "rwm",
  allow: true,
  path,
  file_mode: 0o666,
  uid: 0,
  gid: 0
})

const ruleOnly = (type: number, major: bigint, minor: bigint, permissions: string): Config.Device => ({
  type,
  major,
  minor,
  permissions,
  allow: true,
  path: "",
  file_mode: 0,
  uid: 0,
  gid: 0
})

/**
 * runc's `AllowedDevices`: the device rules every container gets after its
 * own (`mknod` of anything; null, random, full, tty, zero, urandom; pts;
 * `/dev/console`'s 5:2; tun), the ones with a path also created as nodes.
 */
export const allowedDevices: ReadonlyArray<Config.Device> = [
  ruleOnly(charDevice, -1n, -1n, "m"),
  ruleOnly(blockDevice, -1n, -1n, "m"),
  node("/dev/null", 1n, 3n),
  node("/dev/random", 1n, 8n),
  node("/dev/full", 1n, 7n),
  node("/dev/tty", 5n, 0n),
  node("/dev/zero", 1n, 5n),
  node("/dev/urandom", 1n, 9n),
  ruleOnly(charDevice, 136n, -1n, "rwm"),
  ruleOnly(charDevice, 5n, 2n, "rwm"),
  ruleOnly(charDevice, 10n, 200n, "rwm")
]

const deviceRune = (s: string): number | undefined =>
  s === "p" ? fifoDevice : s === "u" || s === "c" ? charDevice : s === "b" ? blockDevice : undefined

const cgroupDeviceRune = (s: string): number | undefined =>
  s === "a" ? wildcardDevice : s === "b" ? blockDevice : s === "c" ? charDevice : undefined

const ruleOf = (d: Config.Device): Config.DeviceRule => ({
  type: d.type,
  major: d.major,
  minor: d.minor,
  permissions: d.permissions,
  allow: d.allow
})

/**
 * runc's `createDevices`: the allowed devices less those whose path the
 * spec lists again, then the spec's devices (mode `0666` unless given, its
 * file-type bits dropped). Returns the device nodes and the default rules
 * for the cgroup.
 */
const createDevices = (spec: Spec.Spec) => {
  const specDevices = spec.linux?.devices ?? []
  const defaults: Array<Config.Device> = []
  const nodes: Array<Config.Device> = []
  for (const d of allowedDevices) {
    if (d.path !== "" && spec.linux !== undefined && specDevices.some((sd) => sd.path === d.path)) continue
    defaults.push(d)
    if (d.path !== "") nodes.push({ ...d })
  }
  for (const d of specDevices) {
    const type = deviceRune(d.type)
    if (type === undefined) return Effect.fail(invalid(`invalid device type ${quote(d.type)}`))
    nodes.push({
      type,
      major: d.major,
      minor: d.minor,
      permissions: "",
      allow: false,
      path: d.path,
      file_mode: d.fileMode === undefined ? 0o666 : (d.fileMode & ~0o170000) >>> 0,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0
    })
  }
  return Effect.succeed({ nodes, defaults })
}

// ---------------------------------------------------------------------------
// Cgroups

/**
 * runc's `CreateCgroupConfig`: the cgroup's name/parent/path from
 * `cgroupsPath` (cleaned for cgroupfs; `slice:prefix:name` for systemd),
 * and every resource runc 1.1.5 converts, the spec's device rules first and
 * the default rules after them.
 */
export const createCgroupConfig = Effect.fnUntraced(function*(
  spec: Spec.Spec,
  options: ConvertOptions,
  defaultDevices: ReadonlyArray<Config.Device>
) {
  const systemd = options.useSystemdCgroup === true
  if (systemd) yield* initSystemdProps(spec.annotations ?? {})
  const given = spec.linux?.cgroupsPath ?? ""
  const path = given === "" ? "" : systemd ? given : cleanPath(given)
  let cgroup: Config.Cgroup = Config.makeCgroup({ Systemd: systemd, Rootless: options.rootlessCgroups === true })
  if (systemd) {
    if (path === "") {
      cgroup = { ...cgroup, scope_prefix: "runc", ...(options.cgroupName === "" ? {} : { name: options.cgroupName }) }
    } else {
      const parts = path.split(":")
      if (parts.length !== 3) {
        return yield* invalid(
          `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${quote(path)} instead`
        )
      }
      const [parent, prefix, name] = parts as [string, string, string]
      cgroup = {
        ...cgroup,
        scope_prefix: prefix,
        ...(parent === "" ? {} : { parent }),
        ...(name === "" ? {} : { name })
      }
    }
  } else {
    cgroup = { ...cgroup, path, ...(path === "" && options.cgroupName !== "" ? { name: options.cgroupName } : {}) }
  }
  const r = { ...Config.makeResources() } as { -readonly [K in keyof Config.Resources]: Config.Resources[K] }
  const devices: Array<Config.DeviceRule> = []
  const resources = spec.linux?.resources
  if (resources !== undefined) {
    const specRules = resources.devices ?? []
    for (let i = 0; i < specRules.length; i++) {
      const d = specRules[i]!
      if ((d.access ?? "") === "") return yield* invalid(`device access at ${i} field cannot be empty`)
      const t = d.type ?? "a"
      const type = cgroupDeviceRune(t === "" ? "a" : t)
      if (type === undefined) return yield* invalid(`invalid cgroup device type ${quote(t)}`)
      devices.push({ type, major: d.major ?? -1n, minor: d.minor ?? -1n, permissions: d.access ?? "", allow: d.allow })
    }
    const memory = resources.memory
    if (memory !== undefined) {
      if (memory.limit !== undefined) r.memory = memory.limit
      if (memory.reservation !== undefined) r.memory_reservation = memory.reservation
      if (memory.swap !== undefined) r.memory_swap = memory.swap
      if (memory.kernel !== undefined || memory.kernelTCP !== undefined) {
        yield* Effect.logWarning("Kernel memory settings are ignored and will be removed")
      }
      if (memory.swappiness !== undefined) r.memory_swappiness = memory.swappiness
      if (memory.disableOOMKiller !== undefined) r.oom_kill_disable = memory.disableOOMKiller
    }
    const cpu = resources.cpu
    if (cpu !== undefined) {
      if (cpu.shares !== undefined) {
        r.cpu_shares = cpu.shares
        r.cpu_weight = convertCpuSharesToV2(cpu.shares)
      }
      if (cpu.quota !== undefined) r.cpu_quota = cpu.quota
      if (cpu.period !== undefined) r.cpu_period = cpu.period
      if (cpu.realtimeRuntime !== undefined) r.cpu_rt_quota = cpu.realtimeRuntime
      if (cpu.realtimePeriod !== undefined) r.cpu_rt_period = cpu.realtimePeriod
      r.cpuset_cpus = cpu.cpus ?? ""
      r.cpuset_mems = cpu.mems ?? ""
    }
    if (resources.pids !== undefined) r.pids_limit = resources.pids.limit
    const blkio = resources.blockIO
    if (blkio !== undefined) {
      if (blkio.weight !== undefined) r.blkio_weight = blkio.weight
      if (blkio.leafWeight !== undefined) r.blkio_leaf_weight = blkio.leafWeight
      const throttle = (list: typeof blkio.throttleReadBpsDevice) =>
        (list ?? []).length === 0 ? null : list!.map((t) => ({ major: t.major, minor: t.minor, rate: t.rate }))
      if ((blkio.weightDevice ?? []).length > 0) {
        r.blkio_weight_device = blkio.weightDevice!.map((w) => ({
          major: w.major,
          minor: w.minor,
          weight: w.weight ?? 0,
          leafWeight: w.leafWeight ?? 0
        }))
      }
      r.blkio_throttle_read_bps_device = throttle(blkio.throttleReadBpsDevice)
      r.blkio_throttle_write_bps_device = throttle(blkio.throttleWriteBpsDevice)
      r.blkio_throttle_read_iops_device = throttle(blkio.throttleReadIOPSDevice)
      r.blkio_throttle_write_iops_device = throttle(blkio.throttleWriteIOPSDevice)
    }
    if ((resources.hugepageLimits ?? []).length > 0) {
      r.hugetlb_limit = resources.hugepageLimits!.map((l) => ({ page_size: l.pageSize, limit: l.limit }))
    }
    const rdma = resources.rdma
    if (rdma !== undefined && rdma !== null && Object.keys(rdma).length > 0) {
      const out: Record<string, { hca_handles?: number; hca_objects?: number }> = {}
      for (const [k, v] of Object.entries(rdma)) {
        out[k] = {
          ...(v.hcaHandles === undefined ? {} : { hca_handles: v.hcaHandles }),
          ...(v.hcaObjects === undefined ? {} : { hca_objects: v.hcaObjects })
        }
      }
      r.rdma = out
    }
    const network = resources.network
    if (network !== undefined) {
      if (network.classID !== undefined) r.net_cls_classid_u = network.classID
      if ((network.priorities ?? []).length > 0) {
        r.net_prio_ifpriomap = network.priorities!.map((p) => ({ interface: p.name, priority: BigInt(p.priority) }))
      }
    }
    const unified = resources.unified
    if (unified !== undefined && unified !== null && Object.keys(unified).length > 0) r.unified = { ...unified }
  }
  for (const d of defaultDevices) devices.push(ruleOf(d))
  r.devices = devices
  return { ...cgroup, Resources: r }
})

// ---------------------------------------------------------------------------
// Seccomp

/** Seccomp actions runc knows, and their `configs.Action` numbers. */
export const seccompActions: ReadonlyMap<string, number> = new Map([
  ["SCMP_ACT_KILL", 1],
  ["SCMP_ACT_ERRNO", 2],
  ["SCMP_ACT_TRAP", 3],
  ["SCMP_ACT_ALLOW", 4],
  ["SCMP_ACT_TRACE", 5],
  ["SCMP_ACT_LOG", 6],
  ["SCMP_ACT_NOTIFY", 7],
  ["SCMP_ACT_KILL_THREAD", 8],
  ["SCMP_ACT_KILL_PROCESS", 9]
])

/** Seccomp argument operators and their `configs.Operator` numbers. */
export const seccompOperators: ReadonlyMap<string, number> = new Map([
  ["SCMP_CMP_EQ", 1],
  ["SCMP_CMP_NE", 2],
  ["SCMP_CMP_GT", 3],
  ["SCMP_CMP_GE", 4],
  ["SCMP_CMP_LT", 5],
  ["SCMP_CMP_LE", 6],
  ["SCMP_CMP_MASKED_EQ", 7]
])

/** Seccomp architectures runc 1.1.5 knows, and libseccomp's names for them. */
export const seccompArchitectures: ReadonlyMap<string, string> = new Map([
  ["SCMP_ARCH_X86", "x86"],
  ["SCMP_ARCH_X86_64", "amd64"],
  ["SCMP_ARCH_X32", "x32"],
  ["SCMP_ARCH_ARM", "arm"],
  ["SCMP_ARCH_AARCH64", "arm64"],
  ["SCMP_ARCH_MIPS", "mips"],
  ["SCMP_ARCH_MIPS64", "mips64"],
  ["SCMP_ARCH_MIPS64N32", "mips64n32"],
  ["SCMP_ARCH_MIPSEL", "mipsel"],
  ["SCMP_ARCH_MIPSEL64", "mipsel64"],
  ["SCMP_ARCH_MIPSEL64N32", "mipsel64n32"],
  ["SCMP_ARCH_PPC", "ppc"],
  ["SCMP_ARCH_PPC64", "ppc64"],
  ["SCMP_ARCH_PPC64LE", "ppc64le"],
  ["SCMP_ARCH_S390", "s390"],
  ["SCMP_ARCH_S390X", "s390x"]
])

type Seccomp = NonNullable<Config.Config["seccomp"]>
type Syscall = NonNullable<Seccomp["syscalls"]>[number]

/**
 * runc's `SetupSeccomp`: nothing for an empty filter (no default action,
 * no syscalls); flags refused; one rule per syscall name.
 */
export const setupSeccomp = (seccomp: Spec.LinuxSeccomp | undefined): Effect.Effect<Seccomp | null, SpecInvalid> =>
  Effect.suspend(() => {
    if (seccomp === undefined) return Effect.succeed(null)
    const syscalls = seccomp.syscalls ?? []
    if (seccomp.defaultAction === "" && syscalls.length === 0) return Effect.succeed(null)
    if ((seccomp.flags ?? []).length !== 0) return Effect.fail(invalid("seccomp flags are not yet supported by runc"))
    let architectures: Array<string> | null = null
    if ((seccomp.architectures ?? []).length > 0) {
      architectures = []
      for (const arch of seccomp.architectures!) {
        const name = seccompArchitectures.get(arch)
        if (name === undefined) return Effect.fail(invalid(`string ${arch} is not a valid arch for seccomp`))
        architectures.push(name)
      }
    }
    const action = (name: string) => seccompActions.get(name)
    const defaultAction = action(seccomp.defaultAction)
    if (defaultAction === undefined) {
      return Effect.fail(invalid(`string ${seccomp.defaultAction} is not a valid action for seccomp`))
    }
    const rules: Array<Syscall> = []
    for (const call of syscalls) {
      const callAction = action(call.action)
      if (callAction === undefined) return Effect.fail(invalid(`string ${call.action} is not a valid action for seccomp`))
      for (const name of call.names ?? []) {
        const args: Array<NonNullable<Syscall["args"]>[number]> = []
        for (const arg of call.args ?? []) {
          const op = seccompOperators.get(arg.op)
          if (op === undefined) return Effect.fail(invalid(`string ${arg.op} is not a valid operator for seccomp`))
          args.push({ index: arg.index, value: arg.value, value_two: arg.valueTwo ?? 0n, op })
        }
        rules.push({ name, action: callAction, errnoRet: call.errnoRet ?? null, args })
      }
    }
    return Effect.succeed({
      default_action: defaultAction,
      architectures,
      flags: null,
      syscalls: rules,
      default_errno_ret: seccomp.defaultErrnoRet ?? null,
      ...(seccomp.listenerPath === undefined ? {} : { listener_path: seccomp.listenerPath }),
      ...(seccomp.listenerMetadata === undefined ? {} : { listener_metadata: seccomp.listenerMetadata })
    })
  })

// ---------------------------------------------------------------------------
// User namespaces

/** The spec's namespace names and runc's `configs.NamespaceType`s (`namespaceMapping`). */
export const namespaceMapping: ReadonlyMap<string, Config.NamespaceType> = new Map([
  ["pid", "NEWPID"],
  ["network", "NEWNET"],
  ["mount", "NEWNS"],
  ["user", "NEWUSER"],
  ["ipc", "NEWIPC"],
  ["uts", "NEWUTS"],
  ["cgroup", "NEWCGROUP"]
])

const hostId = (container: number, maps: ReadonlyArray<Config.IDMap>): number | undefined => {
  for (const m of maps) {
    if (container >= m.container_id && container <= m.container_id + m.size - 1) {
      return m.host_id + (container - m.container_id)
    }
  }
  return undefined
}

/**
 * runc's `Config.HostUID`/`HostGID`: the host id of a container id,
 * unchanged without a user namespace; runc's errors when the mappings are
 * missing or do not cover it.
 */
export const hostIdOf = (
  config: Config.Config,
  kind: "uid" | "gid",
  containerId: number
): { readonly _tag: "Ok"; readonly id: number } | { readonly _tag: "Err"; readonly message: string } => {
  if (!(config.namespaces ?? []).some((ns) => ns.type === "NEWUSER")) return { _tag: "Ok", id: containerId }
  const maps = kind === "uid" ? config.uid_mappings : config.gid_mappings
  if (maps === null) {
    return { _tag: "Err", message: `User namespaces enabled, but no ${kind} mappings found.` }
  }
  const id = hostId(containerId, maps)
  return id === undefined
    ? { _tag: "Err", message: `User namespaces enabled, but no ${kind === "uid" ? "user" : "group"} mapping found.` }
    : { _tag: "Ok", id }
}

// ---------------------------------------------------------------------------
// Hooks

/** runc's hook names in the order `createHooks` reads them. */
const specHookNames = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const

const createHooks = (hooks: Spec.Hooks | undefined): Config.Hooks => {
  const out: Record<string, ReadonlyArray<Config.CommandHook>> = {}
  if (hooks === undefined) return out
  for (const name of specHookNames) {
    const list = hooks[name] ?? []
    if (list.length === 0) continue
    out[name] = list.map((h) => ({
      path: h.path,
      args: h.args ?? null,
      env: h.env ?? null,
      dir: "",
      // time.Duration(timeout) * time.Second, in Go's wrapping int64 arithmetic
      timeout: h.timeout === undefined ? null : BigInt.asIntN(64, BigInt(h.timeout) * 1_000_000_000n)
    }))
  }
  return out
}

// ---------------------------------------------------------------------------
// The whole config

const sortedLabels = (annotations: Readonly<Record<string, string>> | null | undefined): Array<string> =>
  Object.keys(annotations ?? {}).sort(compareBytes).map((k) => `${k}=${annotations![k]}`)

const MS_PRIVATE = MS.PRIVATE

/**
 * runc 1.1.5's `CreateLibcontainerConfig`: the config runc saves for a
 * container created from `spec` with these options, or the first error
 * runc would report for it. Run {@link Validate.validate} on the result, as
 * runc's factory does, before using it.
 */
export const createLibcontainerConfig: (
  spec: Spec.Spec,
  options: ConvertOptions
) => Effect.Effect<Config.Config, SpecInvalid> = Effect.fn("Specconv.createLibcontainerConfig")(function*(
  spec: Spec.Spec,
  options: ConvertOptions
) {
  const cwd = GoPath.clean(options.bundle.startsWith("/") ? options.bundle : `/${options.bundle}`)
  if (spec.root === undefined) return yield* invalid("root must be specified")
  const rootfs = isAbs(spec.root.path) ? spec.root.path : GoPath.join(cwd, spec.root.path)
  let mounts: Array<Config.Mount> | null = null
  for (const m of spec.mounts ?? []) {
    ;(mounts ??= []).push(yield* createMount(cwd, m))
  }
  const { defaults, nodes } = yield* createDevices(spec)
  const cgroups = yield* createCgroupConfig(spec, options, defaults)
  let config: Config.Config = Config.make({
    rootfs,
    no_pivot_root: options.noPivotRoot === true,
    readonlyfs: spec.root.readonly === true,
    hostname: spec.hostname ?? "",
    labels: [...sortedLabels(spec.annotations), `bundle=${cwd}`],
    no_new_keyring: options.noNewKeyring === true,
    ...(options.rootlessEUID === true ? { rootless_euid: true } : {}),
    ...(options.rootlessCgroups === true ? { rootless_cgroups: true } : {}),
    mounts,
    devices: nodes,
    cgroups
  })
  const linux = spec.linux
  if (linux !== undefined) {
    const propagation = mountPropagation.get(linux.rootfsPropagation ?? "")
    if (propagation === undefined) {
      return yield* invalid(`rootfsPropagation=${linux.rootfsPropagation ?? ""} is not supported`)
    }
    if (config.no_pivot_root && (propagation & MS_PRIVATE) !== 0) {
      return yield* invalid("rootfsPropagation of [r]private is not safe without pivot_root")
    }
    const namespaces: Array<Config.Namespace> = []
    for (const ns of linux.namespaces ?? []) {
      const type = namespaceMapping.get(ns.type)
      const shown = `{${quote(ns.type)} ${quote(ns.path ?? "")}}`
      if (type === undefined) return yield* invalid(`namespace ${shown} does not exist`)
      if (namespaces.some((n) => n.type === type)) return yield* invalid(`malformed spec file: duplicated ns ${shown}`)
      namespaces.push({ type, path: ns.path ?? "" })
    }
    config = { ...config, rootPropagation: propagation, namespaces: namespaces.length === 0 ? null : namespaces }
    const net = namespaces.find((n) => n.type === "NEWNET")
    if (net !== undefined && net.path === "") {
      config = { ...config, networks: [loopback] }
    }
    if (namespaces.some((n) => n.type === "NEWUSER")) {
      const maps = (list: ReadonlyArray<Spec.LinuxIDMapping> | null | undefined): Array<Config.IDMap> | null =>
        (list ?? []).length === 0
          ? null
          : list!.map((m) => ({ container_id: m.containerID, host_id: m.hostID, size: m.size }))
      config = { ...config, uid_mappings: maps(linux.uidMappings), gid_mappings: maps(linux.gidMappings) }
      const uid = hostIdOf(config, "uid", 0)
      if (uid._tag === "Err") return yield* invalid(uid.message)
      const gid = hostIdOf(config, "gid", 0)
      if (gid._tag === "Err") return yield* invalid(gid.message)
      config = { ...config, devices: (config.devices ?? []).map((d) => ({ ...d, uid: uid.id, gid: gid.id })) }
    }
    config = {
      ...config,
      mask_paths: linux.maskedPaths ?? null,
      readonly_paths: linux.readonlyPaths ?? null,
      mount_label: linux.mountLabel ?? "",
      sysctl: linux.sysctl ?? null,
      seccomp: yield* setupSeccomp(linux.seccomp)
    }
    const rdt = linux.intelRdt
    if (rdt !== undefined) {
      config = {
        ...config,
        intel_rdt: {
          ...(rdt.closID === undefined ? {} : { closID: rdt.closID }),
          ...(rdt.l3CacheSchema === undefined ? {} : { l3_cache_schema: rdt.l3CacheSchema }),
          ...(rdt.memBwSchema === undefined ? {} : { memBwSchema: rdt.memBwSchema })
        }
      }
    }
  }
  // The cgroup is owned by the process's host uid when the container has its
  // own cgroup namespace and mounts cgroupfs read-write.
  const namespaces = config.namespaces ?? []
  const cgroupNs = namespaces.find((n) => n.type === "NEWCGROUP")
  const hasCgroupNs = cgroupNs !== undefined && cgroupNs.path === ""
  const hasRwCgroupfs = hasCgroupNs && (config.mounts ?? []).some((m) =>
    m.source === "cgroup" && GoPath.clean(m.destination) === "/sys/fs/cgroup" && (m.flags & MS.RDONLY) === 0
  )
  if (hasCgroupNs && hasRwCgroupfs) {
    const owner = hostIdOf(config, "uid", spec.process?.user.uid ?? 0)
    if (owner._tag === "Ok") config = { ...config, cgroups: { ...config.cgroups!, owner_uid: owner.id } }
  }
  const process = spec.process
  if (process !== undefined) {
    config = {
      ...config,
      ...(process.oomScoreAdj === undefined ? {} : { oom_score_adj: process.oomScoreAdj }),
      ...(process.noNewPrivileges === true ? { no_new_privileges: true } : {}),
      umask: process.user.umask ?? null,
      ...((process.selinuxLabel ?? "") === "" ? {} : { process_label: process.selinuxLabel! }),
      capabilities: capabilitiesOf(process)
    }
  }
  return { ...config, Hooks: createHooks(spec.hooks), version: specVersion }
})

const loopback = {
  type: "loopback",
  name: "",
  bridge: "",
  mac_address: "",
  address: "",
  gateway: "",
  ipv6_address: "",
  ipv6_gateway: "",
  mtu: 0,
  txqueuelen: 0,
  host_interface_name: "",
  hairpin_mode: false
}
