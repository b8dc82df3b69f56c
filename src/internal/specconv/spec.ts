/**
 * The OCI runtime spec (a bundle's `config.json`, `specs.Spec`) for Linux,
 * as Effect Schemas that read JSON the way runc's `encoding/json` decode
 * does and write it back the way `json.Marshal` writes it (field order,
 * `omitempty`, uint64s as bigints).
 *
 * The fields are those of the runtime-spec Go types runc 1.1.5 is built
 * with: the copy it vendors (`specs-go/config.go`, 1.0.2-dev) plus the few
 * Linux fields of the later snapshot distributions build it against
 * (`domainname`, per-mount `uidMappings`/`gidMappings`, memory
 * `checkBeforeUpdate`, cpu `burst`/`idle`, RDT `enableCMT`/`enableMBM`).
 * runc 1.1.5's conversion reads none of those extras, but a bundle that
 * has them decodes and encodes without loss. The Solaris, Windows, VM and
 * z/OS sections are not modelled: their keys are ignored, as are unknown
 * keys.
 */
import type * as Schema from "effect/Schema"
import {
  field,
  GoBool,
  GoInt,
  GoInt64,
  goMap,
  goNumber,
  type GoSchema,
  goSlice,
  goString,
  GoString,
  goStruct,
  GoUint,
  GoUint16,
  GoUint32,
  GoUint64,
  omitEmpty,
  omitNil
} from "../json/GoSchema.js"

/**
 * A Go string type with a name of its own (`specs.LinuxNamespaceType`):
 * read and written as a string, named in error texts as Go names it.
 */
const namedString = (goType: string, examples: ReadonlyArray<string> = []): GoSchema<string> =>
  examples.length === 0
    ? goString(goType)
    : goString(goType).annotations({ arbitrary: () => (fc) => fc.oneof(fc.constantFrom(...examples), fc.string()) })

/** Go's `os.FileMode` (`fs.FileMode`, a uint32). */
const FileMode = goNumber("fs.FileMode", 0n, 2n ** 32n - 1n)

// ---------------------------------------------------------------------------
// Process

/** `specs.Box`: a console size. */
export const Box = goStruct("specs.Box", {
  height: field(GoUint),
  width: field(GoUint)
})
/** @category model */
export interface Box extends Schema.Schema.Type<typeof Box> {}

/** `specs.User`: who the process runs as. */
export const User = goStruct("specs.User", {
  uid: field(GoUint32),
  gid: field(GoUint32),
  umask: omitNil(GoUint32),
  additionalGids: omitEmpty(goSlice(GoUint32)),
  username: omitEmpty(GoString)
})
/** @category model */
export interface User extends Schema.Schema.Type<typeof User> {}

/** `specs.LinuxCapabilities`: the five capability sets. */
export const LinuxCapabilities = goStruct("specs.LinuxCapabilities", {
  bounding: omitEmpty(goSlice(GoString)),
  effective: omitEmpty(goSlice(GoString)),
  inheritable: omitEmpty(goSlice(GoString)),
  permitted: omitEmpty(goSlice(GoString)),
  ambient: omitEmpty(goSlice(GoString))
})
/** @category model */
export interface LinuxCapabilities extends Schema.Schema.Type<typeof LinuxCapabilities> {}

/** `specs.POSIXRlimit`: `type` is a name such as `RLIMIT_NOFILE`. */
export const POSIXRlimit = goStruct("specs.POSIXRlimit", {
  type: field(GoString),
  hard: field(GoUint64),
  soft: field(GoUint64)
})
/** @category model */
export interface POSIXRlimit extends Schema.Schema.Type<typeof POSIXRlimit> {}

/**
 * `specs.Process`: the container's init process in `config.json`, and the
 * document `runc exec --process` reads.
 */
export const Process = goStruct("specs.Process", {
  terminal: omitEmpty(GoBool),
  consoleSize: omitNil(Box),
  user: field(User),
  args: omitEmpty(goSlice(GoString)),
  commandLine: omitEmpty(GoString),
  env: omitEmpty(goSlice(GoString)),
  cwd: field(GoString),
  capabilities: omitNil(LinuxCapabilities),
  rlimits: omitEmpty(goSlice(POSIXRlimit)),
  noNewPrivileges: omitEmpty(GoBool),
  apparmorProfile: omitEmpty(GoString),
  oomScoreAdj: omitNil(GoInt),
  selinuxLabel: omitEmpty(GoString)
})
/** @category model */
export interface Process extends Schema.Schema.Type<typeof Process> {}

// ---------------------------------------------------------------------------
// Root, mounts, hooks

/** `specs.Root`: the rootfs, absolute or relative to the bundle. */
export const Root = goStruct("specs.Root", {
  path: field(GoString),
  readonly: omitEmpty(GoBool)
})
/** @category model */
export interface Root extends Schema.Schema.Type<typeof Root> {}

/** `specs.LinuxIDMapping`: a uid or gid range. */
export const LinuxIDMapping = goStruct("specs.LinuxIDMapping", {
  containerID: field(GoUint32),
  hostID: field(GoUint32),
  size: field(GoUint32)
})
/** @category model */
export interface LinuxIDMapping extends Schema.Schema.Type<typeof LinuxIDMapping> {}

/** `specs.Mount`: options are fstab-style (`ro`, `rbind`, `mode=755`, …). */
export const Mount = goStruct("specs.Mount", {
  destination: field(GoString),
  type: omitEmpty(GoString),
  source: omitEmpty(GoString),
  options: omitEmpty(goSlice(GoString)),
  uidMappings: omitEmpty(goSlice(LinuxIDMapping)),
  gidMappings: omitEmpty(goSlice(LinuxIDMapping))
})
/** @category model */
export interface Mount extends Schema.Schema.Type<typeof Mount> {}

/** `specs.Hook`: `timeout` in seconds. */
export const Hook = goStruct("specs.Hook", {
  path: field(GoString),
  args: omitEmpty(goSlice(GoString)),
  env: omitEmpty(goSlice(GoString)),
  timeout: omitNil(GoInt)
})
/** @category model */
export interface Hook extends Schema.Schema.Type<typeof Hook> {}

/** `specs.Hooks`, in the spec's own form (not runc's `configs.Hooks`). */
export const Hooks = goStruct("specs.Hooks", {
  prestart: omitEmpty(goSlice(Hook)),
  createRuntime: omitEmpty(goSlice(Hook)),
  createContainer: omitEmpty(goSlice(Hook)),
  startContainer: omitEmpty(goSlice(Hook)),
  poststart: omitEmpty(goSlice(Hook)),
  poststop: omitEmpty(goSlice(Hook))
})
/** @category model */
export interface Hooks extends Schema.Schema.Type<typeof Hooks> {}

// ---------------------------------------------------------------------------
// Linux: resources

/** `specs.LinuxDeviceCgroup`: a device cgroup rule; `major`/`minor` absent mean any. */
export const LinuxDeviceCgroup = goStruct("specs.LinuxDeviceCgroup", {
  allow: field(GoBool),
  type: omitEmpty(GoString),
  major: omitNil(GoInt64),
  minor: omitNil(GoInt64),
  access: omitEmpty(GoString)
})
/** @category model */
export interface LinuxDeviceCgroup extends Schema.Schema.Type<typeof LinuxDeviceCgroup> {}

/** `specs.LinuxMemory`. */
export const LinuxMemory = goStruct("specs.LinuxMemory", {
  limit: omitNil(GoInt64),
  reservation: omitNil(GoInt64),
  swap: omitNil(GoInt64),
  kernel: omitNil(GoInt64),
  kernelTCP: omitNil(GoInt64),
  swappiness: omitNil(GoUint64),
  disableOOMKiller: omitNil(GoBool),
  useHierarchy: omitNil(GoBool),
  checkBeforeUpdate: omitNil(GoBool)
})
/** @category model */
export interface LinuxMemory extends Schema.Schema.Type<typeof LinuxMemory> {}

/** `specs.LinuxCPU`. */
export const LinuxCPU = goStruct("specs.LinuxCPU", {
  shares: omitNil(GoUint64),
  quota: omitNil(GoInt64),
  burst: omitNil(GoUint64),
  period: omitNil(GoUint64),
  realtimeRuntime: omitNil(GoInt64),
  realtimePeriod: omitNil(GoUint64),
  cpus: omitEmpty(GoString),
  mems: omitEmpty(GoString),
  idle: omitNil(GoInt64)
})
/** @category model */
export interface LinuxCPU extends Schema.Schema.Type<typeof LinuxCPU> {}

/** `specs.LinuxPids`. */
export const LinuxPids = goStruct("specs.LinuxPids", {
  limit: field(GoInt64)
})

/** `specs.LinuxWeightDevice` (the embedded `major`/`minor` flattened, as in JSON). */
export const LinuxWeightDevice = goStruct("specs.LinuxWeightDevice", {
  major: field(GoInt64),
  minor: field(GoInt64),
  weight: omitNil(GoUint16),
  leafWeight: omitNil(GoUint16)
})

/** `specs.LinuxThrottleDevice` (the embedded `major`/`minor` flattened). */
export const LinuxThrottleDevice = goStruct("specs.LinuxThrottleDevice", {
  major: field(GoInt64),
  minor: field(GoInt64),
  rate: field(GoUint64)
})

/** `specs.LinuxBlockIO`. */
export const LinuxBlockIO = goStruct("specs.LinuxBlockIO", {
  weight: omitNil(GoUint16),
  leafWeight: omitNil(GoUint16),
  weightDevice: omitEmpty(goSlice(LinuxWeightDevice)),
  throttleReadBpsDevice: omitEmpty(goSlice(LinuxThrottleDevice)),
  throttleWriteBpsDevice: omitEmpty(goSlice(LinuxThrottleDevice)),
  throttleReadIOPSDevice: omitEmpty(goSlice(LinuxThrottleDevice)),
  throttleWriteIOPSDevice: omitEmpty(goSlice(LinuxThrottleDevice))
})
/** @category model */
export interface LinuxBlockIO extends Schema.Schema.Type<typeof LinuxBlockIO> {}

/** `specs.LinuxHugepageLimit`. */
export const LinuxHugepageLimit = goStruct("specs.LinuxHugepageLimit", {
  pageSize: field(GoString),
  limit: field(GoUint64)
})

/** `specs.LinuxInterfacePriority`. */
export const LinuxInterfacePriority = goStruct("specs.LinuxInterfacePriority", {
  name: field(GoString),
  priority: field(GoUint32)
})

/** `specs.LinuxNetwork`. */
export const LinuxNetwork = goStruct("specs.LinuxNetwork", {
  classID: omitNil(GoUint32),
  priorities: omitEmpty(goSlice(LinuxInterfacePriority))
})

/** `specs.LinuxRdma`. */
export const LinuxRdma = goStruct("specs.LinuxRdma", {
  hcaHandles: omitNil(GoUint32),
  hcaObjects: omitNil(GoUint32)
})

/** `specs.LinuxResources`: cgroup limits. */
export const LinuxResources = goStruct("specs.LinuxResources", {
  devices: omitEmpty(goSlice(LinuxDeviceCgroup)),
  memory: omitNil(LinuxMemory),
  cpu: omitNil(LinuxCPU),
  pids: omitNil(LinuxPids),
  blockIO: omitNil(LinuxBlockIO),
  hugepageLimits: omitEmpty(goSlice(LinuxHugepageLimit)),
  network: omitNil(LinuxNetwork),
  rdma: omitEmpty(goMap(LinuxRdma)),
  unified: omitEmpty(goMap(GoString))
})
/** @category model */
export interface LinuxResources extends Schema.Schema.Type<typeof LinuxResources> {}

// ---------------------------------------------------------------------------
// Linux: the rest

/** The spec's namespace names (`specs.LinuxNamespaceType`) runc 1.1.5 knows. */
export const namespaceTypes = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup"] as const

/** `specs.LinuxNamespace`: a namespace to create, or to join when `path` is set. */
export const LinuxNamespace = goStruct("specs.LinuxNamespace", {
  type: field(namedString("specs.LinuxNamespaceType", namespaceTypes)),
  path: omitEmpty(GoString)
})
/** @category model */
export interface LinuxNamespace extends Schema.Schema.Type<typeof LinuxNamespace> {}

/** `specs.LinuxDevice`: a device node to create; `type` is `c`, `u`, `b` or `p`. */
export const LinuxDevice = goStruct("specs.LinuxDevice", {
  path: field(GoString),
  type: field(GoString),
  major: field(GoInt64),
  minor: field(GoInt64),
  fileMode: omitNil(FileMode),
  uid: omitNil(GoUint32),
  gid: omitNil(GoUint32)
})
/** @category model */
export interface LinuxDevice extends Schema.Schema.Type<typeof LinuxDevice> {}

/** `specs.LinuxSeccompArg`. */
export const LinuxSeccompArg = goStruct("specs.LinuxSeccompArg", {
  index: field(GoUint),
  value: field(GoUint64),
  valueTwo: omitEmpty(GoUint64),
  op: field(namedString("specs.LinuxSeccompOperator", ["SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_MASKED_EQ"]))
})

const SeccompAction = namedString("specs.LinuxSeccompAction", ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL"])

/** `specs.LinuxSyscall`. */
export const LinuxSyscall = goStruct("specs.LinuxSyscall", {
  names: field(goSlice(GoString)),
  action: field(SeccompAction),
  errnoRet: omitNil(GoUint),
  args: omitEmpty(goSlice(LinuxSeccompArg))
})

/** `specs.LinuxSeccomp`. */
export const LinuxSeccomp = goStruct("specs.LinuxSeccomp", {
  defaultAction: field(SeccompAction),
  defaultErrnoRet: omitNil(GoUint),
  architectures: omitEmpty(goSlice(namedString("specs.Arch", ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]))),
  flags: omitEmpty(goSlice(namedString("specs.LinuxSeccompFlag"))),
  listenerPath: omitEmpty(GoString),
  listenerMetadata: omitEmpty(GoString),
  syscalls: omitEmpty(goSlice(LinuxSyscall))
})
/** @category model */
export interface LinuxSeccomp extends Schema.Schema.Type<typeof LinuxSeccomp> {}

/** `specs.LinuxIntelRdt`. */
export const LinuxIntelRdt = goStruct("specs.LinuxIntelRdt", {
  closID: omitEmpty(GoString),
  l3CacheSchema: omitEmpty(GoString),
  memBwSchema: omitEmpty(GoString),
  enableCMT: omitEmpty(GoBool),
  enableMBM: omitEmpty(GoBool)
})

/** `specs.LinuxPersonality`. */
export const LinuxPersonality = goStruct("specs.LinuxPersonality", {
  domain: field(namedString("specs.LinuxPersonalityDomain", ["LINUX", "LINUX32"])),
  flags: omitEmpty(goSlice(namedString("specs.LinuxPersonalityFlag")))
})

/** `specs.Linux`: everything Linux-specific. */
export const Linux = goStruct("specs.Linux", {
  uidMappings: omitEmpty(goSlice(LinuxIDMapping)),
  gidMappings: omitEmpty(goSlice(LinuxIDMapping)),
  sysctl: omitEmpty(goMap(GoString)),
  resources: omitNil(LinuxResources),
  cgroupsPath: omitEmpty(GoString),
  namespaces: omitEmpty(goSlice(LinuxNamespace)),
  devices: omitEmpty(goSlice(LinuxDevice)),
  seccomp: omitNil(LinuxSeccomp),
  rootfsPropagation: omitEmpty(GoString),
  maskedPaths: omitEmpty(goSlice(GoString)),
  readonlyPaths: omitEmpty(goSlice(GoString)),
  mountLabel: omitEmpty(GoString),
  intelRdt: omitNil(LinuxIntelRdt),
  personality: omitNil(LinuxPersonality)
})
/** @category model */
export interface Linux extends Schema.Schema.Type<typeof Linux> {}

// ---------------------------------------------------------------------------
// Spec

/** `specs.Spec`: a bundle's `config.json`. */
export const Spec = goStruct("specs.Spec", {
  ociVersion: field(GoString),
  process: omitNil(Process),
  root: omitNil(Root),
  hostname: omitEmpty(GoString),
  domainname: omitEmpty(GoString),
  mounts: omitEmpty(goSlice(Mount)),
  hooks: omitNil(Hooks),
  annotations: omitEmpty(goMap(GoString)),
  linux: omitNil(Linux)
})
/** @category model */
export interface Spec extends Schema.Schema.Type<typeof Spec> {}
