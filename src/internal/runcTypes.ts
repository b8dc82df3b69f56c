/**
 * runc's state.json as Go types (`GoType.ts`): `libcontainer.State`,
 * `configs.Config` and every type inside them, with the JSON key names as
 * field names, in runc's field order. This is the one definition of their
 * JSON form: `Config.ts` and `State.ts` derive their schemas from it
 * (`GoSchema.fromType`), and a program that only reads state files decodes
 * them with these decoders without building a schema (`Factory`'s lean
 * Load, the CLI's `list`).
 */
import type { EncodableValue } from "./json/GoJson.js"
import {
  field,
  GoBool,
  goBigInt,
  GoInt,
  GoInt32,
  GoInt64,
  goMap,
  goNullable,
  goNumber,
  goSlice,
  GoString,
  goString,
  goStruct,
  GoTime,
  type GoType,
  GoUint,
  GoUint16,
  GoUint32,
  GoUint64,
  goUnmarshaler,
  omitEmpty,
  omitNil,
  type TypeOf
} from "./json/GoType.js"

const int32 = [-(2n ** 31n), 2n ** 31n - 1n] as const
const int64 = [-(2n ** 63n), 2n ** 63n - 1n] as const
const uint32 = [0n, 2n ** 32n - 1n] as const

// ---------------------------------------------------------------------------
// Hooks

/** A command hook (`configs.CommandHook`, embedding `configs.Command`): what runc can serialise of a hook. */
export const CommandHook = goStruct("configs.CommandHook", {
  path: field(GoString),
  args: field(goSlice(GoString)),
  env: field(goSlice(GoString)),
  dir: field(GoString),
  /** Nanoseconds (`*time.Duration`), or `null` for no timeout. */
  timeout: field(goNullable(goBigInt("time.Duration", ...int64)))
})

/** The six hook names runc knows, in the order runc writes them (sorted). */
export const hookNames = [
  "createContainer",
  "createRuntime",
  "poststart",
  "poststop",
  "prestart",
  "startContainer"
] as const

/** One of {@link hookNames}. */
export type HookName = typeof hookNames[number]

/** Hooks by name. Decoding keeps any name verbatim; encoding writes only the six known ones. */
export type Hooks = Readonly<Record<string, ReadonlyArray<TypeOf<typeof CommandHook>>>>

/**
 * What `Hooks.UnmarshalJSON` reads: `map[HookName][]CommandHook`. A `null`
 * hook (Go's zero command, which would run an empty path) is refused.
 */
const hookLists = goMap(goSlice(CommandHook, "pointers", { goType: "[]configs.CommandHook" }), {
  key: "configs.HookName"
})

const hookList = goSlice(CommandHook).encode

/**
 * runc's `configs.Hooks` with its own JSON form (`UnmarshalJSON` and
 * `MarshalJSON` in `libcontainer/configs/config.go`): decoding reads the
 * value as `map[HookName][]CommandHook` — `null` is an empty map —, starts
 * from no hooks, drops names without hooks and keeps unknown names;
 * encoding always writes the six known names in sorted order, `null` for a
 * name without hooks.
 */
export const Hooks: GoType<Hooks> = goUnmarshaler<TypeOf<typeof hookLists>, Hooks>({
  goType: "configs.Hooks",
  from: hookLists.decoder,
  decode: (read): Hooks => {
    const out: Record<string, ReadonlyArray<TypeOf<typeof CommandHook>>> = {}
    if (read !== null) {
      for (const name of Object.keys(read)) {
        const list = read[name]!
        if (list !== null && list.length > 0) out[name] = list
      }
    }
    return out
  },
  encode: (hooks) => {
    const out: Record<string, EncodableValue> = {}
    for (const name of hookNames) {
      const list = Object.prototype.hasOwnProperty.call(hooks, name) ? hooks[name] : undefined
      out[name] = list === undefined || list.length === 0 ? null : hookList(list)
    }
    return out
  },
  zero: () => ({}),
  schema: ({ Arbitrary, fromType, Schema }) => {
    const hook = Schema.typeSchema(fromType(CommandHook))
    return Schema.Record({ key: Schema.String, value: Schema.Array(hook) }).annotations({
      arbitrary: () => (fc) =>
        fc.dictionary(fc.constantFrom(...hookNames), fc.array(Arbitrary.make(hook), { minLength: 1, maxLength: 2 }), {
          maxKeys: 3
        })
    })
  }
})

// ---------------------------------------------------------------------------
// Namespaces

/** The namespace kinds, in runc's canonical order (`NamespaceTypes()`). */
export const namespaceTypes = [
  "NEWUSER",
  "NEWIPC",
  "NEWUTS",
  "NEWNET",
  "NEWPID",
  "NEWNS",
  "NEWCGROUP",
  "NEWTIME"
] as const

/** One of {@link namespaceTypes}. Decoding accepts any string, as Go does. */
export type NamespaceType = typeof namespaceTypes[number]

/** The `/proc/<pid>/ns/<name>` file name of each namespace kind (`NsName`). */
export const namespaceProcName: Readonly<Record<NamespaceType, string>> = {
  NEWNET: "net",
  NEWPID: "pid",
  NEWNS: "mnt",
  NEWUTS: "uts",
  NEWIPC: "ipc",
  NEWUSER: "user",
  NEWCGROUP: "cgroup",
  NEWTIME: "time"
}

const NamespaceTypeString = goString("configs.NamespaceType", { values: namespaceTypes })

/** A namespace to create (`path` empty) or join (`path` set). */
export const Namespace = goStruct("configs.Namespace", {
  type: field(NamespaceTypeString),
  path: field(GoString)
})

// ---------------------------------------------------------------------------
// Mounts

/** `unix.MountAttr`, with Go's capitalised field names (no JSON tags). */
export const MountAttr = goStruct("unix.MountAttr", {
  Attr_set: field(GoUint64),
  Attr_clr: field(GoUint64),
  Propagation: field(GoUint64),
  Userns_fd: field(GoUint64)
})

/** A uid/gid mapping (`configs.IDMap`). */
export const IDMap = goStruct("configs.IDMap", {
  container_id: field(GoInt),
  host_id: field(GoInt),
  size: field(GoInt)
})

/** A mount (`configs.Mount`). */
export const Mount = goStruct("configs.Mount", {
  source: field(GoString),
  destination: field(GoString),
  device: field(GoString),
  flags: field(GoInt),
  cleared_flags: field(GoInt),
  propagation_flags: field(goSlice(GoInt)),
  data: field(GoString),
  relabel: field(GoString),
  rec_attr: field(goNullable(MountAttr)),
  extensions: field(GoInt),
  uid_mappings: omitEmpty(goSlice(IDMap)),
  gid_mappings: omitEmpty(goSlice(IDMap))
})

// ---------------------------------------------------------------------------
// Devices

const ruleFields = {
  /** The device type as a rune (`devices.Type`): 97 `a`, 98 `b`, 99 `c`, 112 `p`. */
  type: field(goNumber("devices.Type", ...int32)),
  major: field(GoInt64),
  minor: field(GoInt64),
  permissions: field(goString("devices.Permissions")),
  allow: field(GoBool)
}

/** A cgroup device rule (`devices.Rule`). */
export const DeviceRule = goStruct("devices.Rule", ruleFields)

/** A device node to create (`devices.Device`: the rule fields, then the node's). */
export const Device = goStruct("devices.Device", {
  ...ruleFields,
  path: field(GoString),
  file_mode: field(goNumber("fs.FileMode", ...uint32)),
  uid: field(GoUint32),
  gid: field(GoUint32)
})

// ---------------------------------------------------------------------------
// Cgroups

const WeightDevice = goStruct("configs.WeightDevice", {
  major: field(GoInt64),
  minor: field(GoInt64),
  weight: field(GoUint16),
  leafWeight: field(GoUint16)
})

const ThrottleDevice = goStruct("configs.ThrottleDevice", {
  major: field(GoInt64),
  minor: field(GoInt64),
  rate: field(GoUint64)
})

const HugepageLimit = goStruct("configs.HugepageLimit", {
  page_size: field(GoString),
  limit: field(GoUint64)
})

const IfPrioMap = goStruct("configs.IfPrioMap", {
  interface: field(GoString),
  priority: field(GoInt64)
})

const LinuxRdma = goStruct("configs.LinuxRdma", {
  hca_handles: omitNil(GoUint32),
  hca_objects: omitNil(GoUint32)
})

/** The freezer states: `""` undefined, `FROZEN`, `THAWED`. */
export const FreezerState = goString("configs.FreezerState", { values: ["", "FROZEN", "THAWED"] })

/** Cgroup resource limits (`configs.Resources`), inlined into the `cgroups` object. */
export const Resources = goStruct("configs.Resources", {
  devices: field(goSlice(DeviceRule, "pointers")),
  memory: field(GoInt64),
  memory_reservation: field(GoInt64),
  memory_swap: field(GoInt64),
  cpu_shares: field(GoUint64),
  cpu_quota: field(GoInt64),
  cpu_burst: field(goNullable(GoUint64)),
  cpu_period: field(GoUint64),
  cpu_rt_quota: field(GoInt64),
  cpu_rt_period: field(GoUint64),
  cpuset_cpus: field(GoString),
  cpuset_mems: field(GoString),
  cpu_idle: omitNil(GoInt64),
  pids_limit: field(GoInt64),
  blkio_weight: field(GoUint16),
  blkio_leaf_weight: field(GoUint16),
  blkio_weight_device: field(goSlice(WeightDevice, "pointers")),
  blkio_throttle_read_bps_device: field(goSlice(ThrottleDevice, "pointers")),
  blkio_throttle_write_bps_device: field(goSlice(ThrottleDevice, "pointers")),
  blkio_throttle_read_iops_device: field(goSlice(ThrottleDevice, "pointers")),
  blkio_throttle_write_iops_device: field(goSlice(ThrottleDevice, "pointers")),
  freezer: field(FreezerState),
  hugetlb_limit: field(goSlice(HugepageLimit, "pointers")),
  oom_kill_disable: field(GoBool),
  memory_swappiness: field(goNullable(GoUint64)),
  net_prio_ifpriomap: field(goSlice(IfPrioMap, "pointers")),
  net_cls_classid_u: field(GoUint32),
  rdma: field(goMap(LinuxRdma)),
  cpu_weight: field(GoUint64),
  unified: field(goMap(GoString)),
  memory_check_before_update: field(GoBool)
})

/**
 * The container's cgroup (`configs.Cgroup`). In JSON the resource keys sit
 * directly in this object; here they are under `Resources`, which is absent
 * when none of them was present (runc's nil `*Resources`).
 */
export const Cgroup = goStruct(
  "configs.Cgroup",
  {
    name: omitEmpty(GoString),
    parent: omitEmpty(GoString),
    path: field(GoString),
    scope_prefix: field(GoString),
    Resources: omitNil(Resources),
    Systemd: field(GoBool),
    Rootless: field(GoBool),
    owner_uid: omitNil(GoInt)
  },
  { inline: { name: "Resources" } }
)

// ---------------------------------------------------------------------------
// Security, network, limits

/** Capability sets (`configs.Capabilities`), capitalised keys as Go writes them. */
export const Capabilities = goStruct("configs.Capabilities", {
  Bounding: field(goSlice(GoString)),
  Effective: field(goSlice(GoString)),
  Inheritable: field(goSlice(GoString)),
  Permitted: field(goSlice(GoString)),
  Ambient: field(goSlice(GoString))
})

/** A network interface to set up (`configs.Network`). */
export const Network = goStruct("configs.Network", {
  type: field(GoString),
  name: field(GoString),
  bridge: field(GoString),
  mac_address: field(GoString),
  address: field(GoString),
  gateway: field(GoString),
  ipv6_address: field(GoString),
  ipv6_gateway: field(GoString),
  mtu: field(GoInt),
  txqueuelen: field(GoInt),
  host_interface_name: field(GoString),
  hairpin_mode: field(GoBool)
})

/** A route (`configs.Route`). */
export const Route = goStruct("configs.Route", {
  destination: field(GoString),
  source: field(GoString),
  gateway: field(GoString),
  interface_name: field(GoString)
})

/** A resource limit (`configs.Rlimit`); 18446744073709551615n is infinity. */
export const Rlimit = goStruct("configs.Rlimit", {
  type: field(GoInt),
  hard: field(GoUint64),
  soft: field(GoUint64)
})

const SeccompAction = goNumber("configs.Action", ...int64)

const SeccompArg = goStruct("configs.Arg", {
  index: field(GoUint),
  value: field(GoUint64),
  value_two: field(GoUint64),
  op: field(goNumber("configs.Operator", ...int64))
})

const SeccompSyscall = goStruct("configs.Syscall", {
  name: field(GoString),
  action: field(SeccompAction),
  errnoRet: field(goNullable(GoUint)),
  args: field(goSlice(SeccompArg, "pointers"))
})

/** A seccomp filter (`configs.Seccomp`). */
export const Seccomp = goStruct("configs.Seccomp", {
  default_action: field(SeccompAction),
  architectures: field(goSlice(GoString)),
  flags: field(goSlice(goString("specs.LinuxSeccompFlag"))),
  syscalls: field(goSlice(SeccompSyscall, "pointers")),
  default_errno_ret: field(goNullable(GoUint)),
  listener_path: omitEmpty(GoString),
  listener_metadata: omitEmpty(GoString)
})

/** Intel RDT settings (`configs.IntelRdt`); all keys omitted when empty. */
export const IntelRdt = goStruct("configs.IntelRdt", {
  closID: omitEmpty(GoString),
  l3_cache_schema: omitEmpty(GoString),
  memBwSchema: omitEmpty(GoString)
})

/** A time namespace offset (`specs.LinuxTimeOffset`). */
export const TimeOffset = goStruct("specs.LinuxTimeOffset", {
  secs: omitEmpty(GoInt64),
  nanosecs: omitEmpty(GoUint32)
})

/** Scheduling parameters (`configs.Scheduler`, an alias of `specs.Scheduler`). */
export const Scheduler = goStruct("specs.Scheduler", {
  policy: field(goString("specs.LinuxSchedulerPolicy")),
  nice: omitEmpty(GoInt32),
  priority: omitEmpty(GoInt32),
  flags: omitEmpty(goSlice(goString("specs.LinuxSchedulerFlag"))),
  runtime: omitEmpty(GoUint64),
  deadline: omitEmpty(GoUint64),
  period: omitEmpty(GoUint64)
})

/** The execution domain (`configs.LinuxPersonality`). */
export const Personality = goStruct("configs.LinuxPersonality", {
  domain: field(GoInt)
})

// ---------------------------------------------------------------------------
// Config

/**
 * runc's `configs.Config`, in state.json's key order. `Hooks` is absent only
 * when a decoded document had no `Hooks` key at all (runc's nil map);
 * {@link make} sets it to `{}`, which is written as six `null` lists.
 */
export const Config = goStruct(
  "configs.Config",
  {
    no_pivot_root: field(GoBool),
    parent_death_signal: field(GoInt),
    rootfs: field(GoString),
    umask: field(goNullable(GoUint32)),
    readonlyfs: field(GoBool),
    rootPropagation: field(GoInt),
    mounts: field(goSlice(Mount, "pointers")),
    devices: field(goSlice(Device, "pointers")),
    mount_label: field(GoString),
    hostname: field(GoString),
    domainname: field(GoString),
    namespaces: field(goSlice(Namespace, "values", { goType: "configs.Namespaces" })),
    capabilities: field(goNullable(Capabilities)),
    networks: field(goSlice(Network, "pointers")),
    routes: field(goSlice(Route, "pointers")),
    cgroups: field(goNullable(Cgroup)),
    apparmor_profile: omitEmpty(GoString),
    process_label: omitEmpty(GoString),
    rlimits: omitEmpty(goSlice(Rlimit)),
    oom_score_adj: omitNil(GoInt),
    uid_mappings: field(goSlice(IDMap)),
    gid_mappings: field(goSlice(IDMap)),
    mask_paths: field(goSlice(GoString)),
    readonly_paths: field(goSlice(GoString)),
    sysctl: field(goMap(GoString)),
    seccomp: field(goNullable(Seccomp)),
    no_new_privileges: omitEmpty(GoBool),
    Hooks: omitNil(Hooks),
    version: field(GoString),
    labels: field(goSlice(GoString)),
    no_new_keyring: field(GoBool),
    intel_rdt: omitNil(IntelRdt),
    rootless_euid: omitEmpty(GoBool),
    rootless_cgroups: omitEmpty(GoBool),
    time_offsets: omitEmpty(goMap(TimeOffset)),
    scheduler: omitNil(Scheduler),
    personality: omitNil(Personality)
  }
)

// ---------------------------------------------------------------------------
// State

/** runc's `State` (`BaseState` inlined first), in state.json's key order. */
export const State = goStruct("libcontainer.State", {
  /** Written, but ignored by Load: the directory name is the id. */
  id: field(GoString),
  /** The init process's pid, `-1` when there was none when saved. */
  init_process_pid: field(GoInt),
  /** Field 22 of `/proc/<pid>/stat`: clock ticks after boot. */
  init_process_start: field(GoUint64),
  /** RFC 3339 with nanoseconds; `0001-01-01T00:00:00Z` when unset. */
  created: field(GoTime),
  config: field(Config),
  rootless: field(GoBool),
  /** cgroup v1: controller → directory; v2: `""` → the unified directory; hybrid: both. */
  cgroup_paths: field(goMap(GoString)),
  /** Namespace type → `/proc/<pid>/ns/<name>`. */
  namespace_paths: field(goMap(GoString, { key: "configs.NamespaceType" })),
  external_descriptors: omitEmpty(goSlice(GoString)),
  intel_rdt_path: field(GoString)
})
