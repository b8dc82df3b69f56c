/**
 * runc's `validate.Validate` (`libcontainer/configs/validate`): the checks a
 * config must pass before `Factory.create` touches the disk, run in runc's
 * order, stopping at the first failure, with runc's messages
 * (`libcontainer/configs/validate/validator.go` and `rootless.go`).
 *
 * Host facts come through the services: namespace files, the rootfs, the
 * network namespace and SELinux through {@link Filesystem}, the cgroup mode
 * through {@link CgroupManager}, RDT features through {@link IntelRdt}. So
 * validation is real on the node layers and deterministic on a seeded memory
 * host.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { CgroupManager } from "./CgroupManager.js"
import type { Config, IDMap, Mount, NamespaceType } from "./Config.js"
import { SystemError } from "./ContainerError.js"
import { Filesystem } from "./Filesystem.js"
import { IntelRdt } from "./IntelRdt.js"
import * as GoPath from "./internal/path.js"
import * as Strconv from "./internal/strconv.js"
import * as EvalSymlinks from "./internal/validate/evalSymlinks.js"
import * as GoFormat from "./internal/validate/goFormat.js"
import * as Selinux from "./internal/validate/selinux.js"

/** runc's checks, in the order `Validate` runs them (`validator.go`'s `checks`). */
export const checks = [
  "cgroups",
  "rootfs",
  "network",
  "uts",
  "security",
  "namespaces",
  "sysctl",
  "intelRdt",
  "rootlessEUID",
  "mounts",
  "scheduler"
] as const

/** One of {@link checks}: the rule a {@link ConfigInvalid} comes from. */
export type Check = typeof checks[number]

/**
 * A config runc's `Validate` rejects. `message` is runc's text, `check` the
 * rule that failed, `cause` the system error underneath a
 * rootfs or netns probe failure.
 */
export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{
  readonly check: Check
  readonly message: string
  readonly cause?: SystemError | EvalSymlinks.EvalSymlinksError
}> {}

/** Options of {@link validate}. */
export interface ValidateOptions {
  /**
   * The working directory a relative `rootfs` is taken from (Go's
   * `os.Getwd`). Default: the target of `/proc/self/cwd` read through the
   * Filesystem — this process's cwd on the node layer — or `/` when the host
   * has no such link (a memory host unless seeded).
   */
  readonly cwd?: string
  /**
   * Whose rules: `"libcontainer"` (the default) — the rules this library's
   * `Factory.create` keeps, those of runc's main line after 1.1: a bind
   * mount carrying filesystem data and a bad id-mapped mount are refused
   * (`mountsStrict`), the scheduler is checked, and a relative mount
   * destination is logged under the message `configuration`. `"runc-1.1.5"`
   * — runc 1.1.5's `validator.go`, for what runs the runc 1.1.5 binary: no
   * `mountsStrict` and no scheduler check (1.1.5 has neither rule), and a
   * relative destination logged as `invalid configuration` with
   * `invalid mount <%+v>: mount destination not absolute`.
   */
  readonly rules?: Rules
}

/** Which validation rules {@link validate} applies; see {@link ValidateOptions.rules}. */
export type Rules = "libcontainer" | "runc-1.1.5"

/** The services validation reads host facts from. */
export type Services = Filesystem | CgroupManager | IntelRdt

const MS_BIND = 0x1000

const invalid = (check: Check, message: string, cause?: SystemError | EvalSymlinks.EvalSymlinksError) =>
  new ConfigInvalid(cause === undefined ? { check, message } : { check, message, cause })

const contains = (config: Config, type: NamespaceType): boolean =>
  (config.namespaces ?? []).some((ns) => ns.type === type)

const pathOf = (config: Config, type: NamespaceType): string =>
  (config.namespaces ?? []).find((ns) => ns.type === type)?.path ?? ""

const present = (value: unknown): boolean => value !== null && value !== undefined

const nonEmpty = (list: ReadonlyArray<unknown> | null | undefined): boolean => (list?.length ?? 0) > 0

// ---------------------------------------------------------------------------
// cgroups (`cgroupsCheck`)

/**
 * runc's `ConvertMemorySwapToCgroupV2Value(memorySwap, memory)`
 * (`libcontainer/cgroups/utils.go`): cgroup v1's memory+swap limit as cgroup v2's swap-only
 * value, or the error runc's cgroups check returns unchanged.
 */
export const convertMemorySwapToCgroupV2Value = (
  memorySwap: bigint,
  memory: bigint
): Either.Either<bigint, ConfigInvalid> => {
  if (memory === -1n && memorySwap === 0n) return Either.right(-1n)
  if (memorySwap === -1n || memorySwap === 0n) return Either.right(memorySwap)
  if (memory === 0n || memory === -1n) return Either.left(invalid("cgroups", "unable to set swap limit without memory limit"))
  if (memory < 0n) return Either.left(invalid("cgroups", `invalid memory value: ${memory}`))
  if (memorySwap < memory) return Either.left(invalid("cgroups", "memory+swap limit should be >= memory limit"))
  return Either.right(memorySwap - memory)
}

/** runc's `IsCgroup2UnifiedMode`, which never fails: a failed probe is logged and read as v1. */
const isCgroup2UnifiedMode = Effect.flatMap(CgroupManager, (cgroups) => cgroups.mode).pipe(
  Effect.map((mode) => mode === "unified"),
  Effect.catchAll((error) => Effect.as(Effect.logWarning(`${error.message}; assuming cgroup v1`), false))
)

const cgroupsCheck = (config: Config): Outcome => {
  const cgroup = config.cgroups
  if (cgroup === null) return undefined
  if (((cgroup.name ?? "") !== "" || (cgroup.parent ?? "") !== "") && cgroup.path !== "") {
    return invalid("cgroups", `cgroup: either Path or Name and Parent should be used, got ${GoFormat.cgroup(cgroup)}`)
  }
  const resources = cgroup.Resources
  if (resources === undefined) return undefined
  return Effect.flatMap(isCgroup2UnifiedMode, (unified) => {
    if (!unified && resources.unified !== null) {
      return Effect.fail(invalid("cgroups", "invalid configuration: cannot use unified on cgroup v1"))
    }
    return unified ? Effect.asVoid(convertMemorySwapToCgroupV2Value(resources.memory_swap, resources.memory)) : Effect.void
  })
}

// ---------------------------------------------------------------------------
// rootfs (`rootfs`)

const workingDirectory = (options: ValidateOptions) =>
  options.cwd !== undefined
    ? Effect.succeed(options.cwd)
    : Effect.flatMap(Filesystem, (fs) => fs.readLink("/proc/self/cwd")).pipe(Effect.orElseSucceed(() => "/"))

/**
 * The rootfs check the careful way: the `stat` and `EvalSymlinks` as
 * effects, which say what fails and how.
 */
const rootfsCheckCarefully = Effect.fnUntraced(function*(config: Config, options: ValidateOptions) {
  const fs = yield* Filesystem
  const rootfs = config.rootfs
  const relative = rootfs !== "" && !rootfs.startsWith("/")
  const cwd = relative ? yield* workingDirectory(options) : "/"
  const rootfsInvalid = (cause: SystemError | EvalSymlinks.EvalSymlinksError) =>
    invalid("rootfs", `invalid rootfs: ${cause.message}`, cause)
  const statPath = relative ? `${cwd === "/" ? "" : cwd}/${rootfs}` : rootfs
  yield* fs.stat(statPath).pipe(
    Effect.mapError((error) =>
      rootfsInvalid(relative ? new SystemError({ op: error.op, path: rootfs, code: error.code }) : error)
    )
  )
  const resolved = yield* EvalSymlinks.evalSymlinks(EvalSymlinks.abs(rootfs, cwd)).pipe(Effect.mapError(rootfsInvalid))
  if (GoPath.clean(rootfs) !== resolved) {
    return yield* notAbsoluteOrSymlink()
  }
})

const notAbsoluteOrSymlink = () => invalid("rootfs", "invalid rootfs: not an absolute path, or a symlink")

/**
 * runc's rootfs check: the rootfs exists and `EvalSymlinks` gives back the
 * cleaned rootfs. An absolute rootfs that `stat`s and has no symlink on the
 * way is answered with direct calls; anything else — a relative rootfs, a
 * failing call, a symlink — takes {@link rootfsCheckCarefully}.
 */
const rootfsCheck = (config: Config, options: ValidateOptions): Outcome => {
  const rootfs = config.rootfs
  if (!rootfs.startsWith("/")) return rootfsCheckCarefully(config, options)
  return Effect.flatMap(Filesystem, (fs) => {
    const resolved = typeof fs.direct.stat(rootfs) === "string"
      ? undefined
      : EvalSymlinks.evalSymlinksNow(fs.direct, GoPath.clean(rootfs))
    if (resolved === undefined) return rootfsCheckCarefully(config, options)
    return GoPath.clean(rootfs) !== resolved ? Effect.fail(notAbsoluteOrSymlink()) : Effect.void
  })
}

// ---------------------------------------------------------------------------
// network, uts, security (`network`, `uts`, `security`)

const networkCheck = (config: Config): Outcome =>
  !contains(config, "NEWNET") && (nonEmpty(config.networks) || nonEmpty(config.routes))
    ? invalid("network", "unable to apply network settings without a private NET namespace")
    : undefined

const utsCheck = (config: Config): Outcome => {
  if (contains(config, "NEWUTS")) return undefined
  if (config.hostname !== "") return invalid("uts", "unable to set hostname without a private UTS namespace")
  if (config.domainname !== "") return invalid("uts", "unable to set domainname without a private UTS namespace")
  return undefined
}

const securityCheck = (config: Config): Outcome => {
  if ((nonEmpty(config.mask_paths) || nonEmpty(config.readonly_paths)) && !contains(config, "NEWNS")) {
    return invalid("security", "unable to restrict sys entries without a private MNT namespace")
  }
  if ((config.process_label ?? "") === "") return undefined
  return Effect.flatMap(Selinux.enabled, (enabled) =>
    enabled
      ? Effect.void
      : Effect.fail(
        invalid("security", "selinux label is specified in config, but selinux is disabled or not supported")
      ))
}

// ---------------------------------------------------------------------------
// namespaces (`namespaces`)

/** Go's `os.IsNotExist` on a failed `stat`: ENOENT only. */
const missing = (path: string) =>
  Effect.flatMap(Filesystem, (fs) => fs.stat(path)).pipe(
    Effect.as(false),
    Effect.catchAll((error) => Effect.succeed(error.code === "ENOENT"))
  )

/** The namespaces check with its probes of `/proc/self`, for a config with a user, cgroup or time namespace. */
const namespacesCheckProbing = Effect.fnUntraced(function*(config: Config) {
  const mappings = config.uid_mappings !== null || config.gid_mappings !== null
  if (contains(config, "NEWUSER")) {
    if (yield* missing("/proc/self/ns/user")) {
      return yield* invalid("namespaces", "user namespaces aren't enabled in the kernel")
    }
    if (pathOf(config, "NEWUSER") === "" && !mappings) {
      return yield* invalid(
        "namespaces",
        "user namespaces enabled, but no namespace path to join nor mappings to apply specified"
      )
    }
  } else if (mappings) {
    return yield* invalid(
      "namespaces",
      "user namespace mappings specified, but user namespace isn't enabled in the config"
    )
  }
  if (contains(config, "NEWCGROUP") && (yield* missing("/proc/self/ns/cgroup"))) {
    return yield* invalid("namespaces", "cgroup namespaces aren't enabled in the kernel")
  }
  const offsets = present(config.time_offsets)
  if (contains(config, "NEWTIME")) {
    if (yield* missing("/proc/self/timens_offsets")) {
      return yield* invalid("namespaces", "time namespaces aren't enabled in the kernel")
    }
    if (pathOf(config, "NEWTIME") !== "" && offsets) {
      return yield* invalid(
        "namespaces",
        "time namespace enabled, but both namespace path and time offsets specified -- you may only provide one"
      )
    }
  } else if (offsets) {
    return yield* invalid("namespaces", "time namespace offsets specified, but time namespace isn't enabled in the config")
  }
})

/** runc's namespaces check: plain for a config without a user, cgroup or time namespace (nothing to probe). */
const namespacesCheck = (config: Config): Outcome => {
  if (contains(config, "NEWUSER") || contains(config, "NEWCGROUP") || contains(config, "NEWTIME")) {
    return namespacesCheckProbing(config)
  }
  if (config.uid_mappings !== null || config.gid_mappings !== null) {
    return invalid("namespaces", "user namespace mappings specified, but user namespace isn't enabled in the config")
  }
  if (present(config.time_offsets)) {
    return invalid("namespaces", "time namespace offsets specified, but time namespace isn't enabled in the config")
  }
  return undefined
}

// ---------------------------------------------------------------------------
// sysctl (`sysctl`)

/**
 * runc's `convertSysctlVariableToDotsSeparator`: a name
 * whose first separator is `/` has every `.` and `/` swapped, so
 * `net/ipv4/conf/eno2.100/rp_filter` reads `net.ipv4.conf.eno2/100.rp_filter`;
 * any other name is returned as is.
 */
export const convertSysctlVariableToDotsSeparator = (name: string): string => {
  const first = name.search(/[./]/)
  if (first < 0 || name[first] === ".") return name
  return name.replace(/[./]/g, (c) => c === "." ? "/" : ".")
}

const ipcSysctls: ReadonlySet<string> = new Set([
  "kernel.msgmax",
  "kernel.msgmnb",
  "kernel.msgmni",
  "kernel.sem",
  "kernel.shmall",
  "kernel.shmmax",
  "kernel.shmmni",
  "kernel.shm_rmid_forced"
])

/** runc's `isHostNetNS`: `path` and `/proc/self/ns/net` have the same device and inode. */
const isHostNetNS = Effect.fnUntraced(function*(path: string) {
  const fs = yield* Filesystem
  const current = yield* fs.stat("/proc/self/ns/net")
  const other = yield* fs.stat(path)
  return current.dev === other.dev && current.ino === other.ino
})

/** Whether the container shares this process's network namespace (computed once per validation). */
const usesHostNetwork = (config: Config) => {
  if (!contains(config, "NEWNET")) return Effect.succeed(true)
  const path = pathOf(config, "NEWNET")
  return path === "" ? Effect.succeed(false) : isHostNetNS(path)
}

const sysctlCheck = (config: Config): Outcome =>
  config.sysctl == null || Object.keys(config.sysctl).length === 0 ? undefined : sysctlCheckEach(config)

const sysctlCheckEach = Effect.fnUntraced(function*(config: Config) {
  // Looked up on the first `net.` sysctl, then reused.
  let hostNetwork: Either.Either<boolean, SystemError> | undefined
  for (const key of Object.keys(config.sysctl ?? {})) {
    const name = convertSysctlVariableToDotsSeparator(key)
    const quoted = Strconv.quote(name)
    if (ipcSysctls.has(name) || name.startsWith("fs.mqueue.")) {
      if (contains(config, "NEWIPC")) continue
      return yield* invalid("sysctl", `sysctl ${quoted} is not allowed in the hosts ipc namespace`)
    }
    if (name.startsWith("net.")) {
      hostNetwork ??= yield* Effect.either(usesHostNetwork(config))
      const host = hostNetwork
      if (Either.isLeft(host)) {
        return yield* invalid("sysctl", `invalid netns path: ${host.left.message}`, host.left)
      }
      if (host.right) return yield* invalid("sysctl", `sysctl ${quoted} not allowed in host network namespace`)
      continue
    }
    if (contains(config, "NEWUTS")) {
      if (name === "kernel.domainname") continue
      if (name === "kernel.hostname") {
        return yield* invalid(
          "sysctl",
          `sysctl ${quoted} is not allowed as it conflicts with the OCI ${Strconv.quote("hostname")} field`
        )
      }
    }
    return yield* invalid("sysctl", `sysctl ${quoted} is not in a separate kernel namespace`)
  }
})

// ---------------------------------------------------------------------------
// intelRdt (`intelrdtCheck`)

const intelRdtCheck = (config: Config): Outcome => config.intel_rdt === undefined ? undefined : intelRdtCheckOf(config)

const intelRdtCheckOf = Effect.fnUntraced(function*(config: Config) {
  const rdt = config.intel_rdt
  if (rdt === undefined) return
  const closID = rdt.closID ?? ""
  if (closID === "." || closID === ".." || closID.includes("/")) {
    return yield* invalid("intelRdt", `invalid intelRdt.ClosID ${Strconv.quote(closID)}`)
  }
  const wantsCat = (rdt.l3_cache_schema ?? "") !== ""
  const wantsMba = (rdt.memBwSchema ?? "") !== ""
  if (!wantsCat && !wantsMba) return
  const features = yield* Effect.flatMap(IntelRdt, (service) => service.features)
  if (wantsCat && !features.cat) {
    return yield* invalid(
      "intelRdt",
      "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled"
    )
  }
  if (wantsMba && !features.mba) {
    return yield* invalid("intelRdt", "intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled")
  }
})

// ---------------------------------------------------------------------------
// rootlessEUID (`rootlessEUIDCheck`, `rootless.go`)

/**
 * runc's `Config.HostUID`/`HostGID` (`libcontainer/configs/config_linux.go`): the host id a
 * container id maps to, or runc's error text. Arithmetic is Go's int64.
 */
const hostId = (config: Config, kind: "uid" | "gid", id: bigint): Either.Either<bigint, string> => {
  if (!contains(config, "NEWUSER")) return Either.right(id)
  const mappings = (kind === "uid" ? config.uid_mappings : config.gid_mappings) ?? []
  if (mappings.length === 0) return Either.left(`user namespaces enabled, but no ${kind} mappings found`)
  for (const m of mappings) {
    const first = BigInt(m.container_id)
    const last = BigInt.asIntN(64, first + BigInt(m.size) - 1n)
    if (id >= first && id <= last) return Either.right(BigInt.asIntN(64, BigInt(m.host_id) + (id - first)))
  }
  return Either.left(`user namespaces enabled, but no mapping found for ${kind} ${id}`)
}

/**
 * runc's `rootlessEUIDMount`: every `uid=<n>`/`gid=<n>`
 * option in a mount's data, when `<n>` parses as a Go int, must map to a host
 * id; options that do not parse are ignored.
 */
export const checkRootlessMounts = Effect.fn("Validate.checkRootlessMounts")(function*(config: Config) {
  for (const mount of config.mounts ?? []) {
    for (const option of mount.data.split(",")) {
      const kind = option.startsWith("uid=") ? "uid" : option.startsWith("gid=") ? "gid" : undefined
      if (kind === undefined) continue
      const parsed = Strconv.atoi(option.slice(4))
      if (parsed._tag === "Err") continue
      const mapped = hostId(config, kind, parsed.value)
      if (Either.isLeft(mapped)) {
        return yield* invalid(
          "rootlessEUID",
          `cannot specify ${kind}=${parsed.value} mount option for rootless container: ${mapped.left}`
        )
      }
    }
  }
})

const rootlessEUIDCheck = (config: Config): Outcome =>
  config.rootless_euid !== true ? undefined : rootlessEUIDCheckOf(config)

const rootlessEUIDCheckOf = Effect.fnUntraced(function*(config: Config) {
  if (!contains(config, "NEWUSER")) return yield* invalid("rootlessEUID", "rootless container requires user namespaces")
  if (pathOf(config, "NEWUSER") === "") {
    if (!nonEmpty(config.uid_mappings)) {
      return yield* invalid("rootlessEUID", "rootless containers requires at least one UID mapping")
    }
    if (!nonEmpty(config.gid_mappings)) {
      return yield* invalid("rootlessEUID", "rootless containers requires at least one GID mapping")
    }
  }
  yield* checkRootlessMounts(config)
})

// ---------------------------------------------------------------------------
// mounts (`mountsStrict`, `mountsWarn`)

const sameMapping = (a: ReadonlyArray<IDMap>, b: ReadonlyArray<IDMap>): boolean =>
  a.length === b.length && a.every((m, i) =>
    m.container_id === b[i]!.container_id && m.host_id === b[i]!.host_id && m.size === b[i]!.size
  )

/** The first rule of `mountsStrict` (and `checkBindOptions`, `checkIDMapMounts`) a mount breaks, as runc's inner message. */
const mountProblem = (config: Config, mount: Mount): string | undefined => {
  const bind = (mount.flags & MS_BIND) !== 0
  if (bind && mount.data !== "") return "bind mounts cannot have any filesystem-specific options applied"
  if (!nonEmpty(mount.uid_mappings) && !nonEmpty(mount.gid_mappings)) return undefined
  if (!bind) return "gidMappings/uidMappings is supported only for mounts with the option 'bind'"
  if (config.rootless_euid === true) {
    return "gidMappings/uidMappings is not supported when runc is being launched with EUID != 0, needs CAP_SYS_ADMIN on the runc parent's user namespace"
  }
  if (!nonEmpty(config.uid_mappings) || !nonEmpty(config.gid_mappings)) {
    return "not yet supported to use gidMappings/uidMappings in a mount without also using a user namespace"
  }
  if (!sameMapping(config.uid_mappings ?? [], mount.uid_mappings ?? [])) {
    return "not yet supported for the mount uidMappings to be different than user namespace uidMapping"
  }
  if (!sameMapping(config.gid_mappings ?? [], mount.gid_mappings ?? [])) {
    return "not yet supported for the mount gidMappings to be different than user namespace gidMapping"
  }
  if (!mount.source.startsWith("/")) return "mount source not absolute"
  return undefined
}

/**
 * runc's strict mount check (`mountsStrict`): bind
 * mounts take no filesystem data, and id-mapped mounts must be bind mounts
 * of an absolute source with exactly the user namespace's mappings, and not
 * rootless. Fails with `invalid mount <%+v>: <reason>` for the first mount
 * that breaks a rule.
 */
export const checkMounts = (config: Config): Effect.Effect<void, ConfigInvalid> =>
  Effect.withSpan(
    Effect.suspend(() => {
      const problem = mountsStrict(config)
      return problem === undefined ? Effect.void : Effect.fail(problem)
    }),
    "Validate.checkMounts"
  )

/** {@link checkMounts} as {@link validate} runs it: plain, the first mount's problem. */
const mountsStrict = (config: Config): ConfigInvalid | undefined => {
  for (const mount of config.mounts ?? []) {
    const problem = mountProblem(config, mount)
    if (problem !== undefined) return invalid("mounts", `invalid mount ${GoFormat.mount(mount)}: ${problem}`)
  }
  return undefined
}

/**
 * runc's `mountsWarn`: the first relative destination, logged at warning
 * level — in runc 1.1.5's words (its `mounts` warning) or the later ones.
 */
const mountsWarn = (config: Config, rules: Rules): Outcome => {
  const relative = (config.mounts ?? []).find((mount) => !mount.destination.startsWith("/"))
  if (relative === undefined) return undefined
  if (rules === "runc-1.1.5") {
    const error = `invalid mount ${GoFormat.mountRunc115(relative)}: mount destination not absolute`
    return Effect.logWarning("invalid configuration").pipe(Effect.annotateLogs("error", error))
  }
  const error = `mount ${GoFormat.mount(relative)}: relative destination path is **deprecated**, using it as relative to /`
  return Effect.logWarning("configuration").pipe(Effect.annotateLogs("error", error))
}

// ---------------------------------------------------------------------------
// scheduler (`scheduler`)

const schedulerCheck = (config: Config): Outcome => {
  const scheduler = config.scheduler
  if (scheduler === undefined) return undefined
  const { policy } = scheduler
  const nice = scheduler.nice ?? 0
  if (policy === "") return invalid("scheduler", "scheduler policy is required")
  if (nice < -20 || nice > 19) return invalid("scheduler", `invalid scheduler.nice: ${nice}`)
  if ((scheduler.priority ?? 0) !== 0 && policy !== "SCHED_FIFO" && policy !== "SCHED_RR") {
    return invalid("scheduler", "scheduler.priority can only be specified for SchedFIFO or SchedRR policy")
  }
  const timed = [scheduler.runtime, scheduler.deadline, scheduler.period].some((v) => (v ?? 0n) !== 0n)
  if (policy !== "SCHED_DEADLINE" && timed) {
    return invalid("scheduler", "scheduler runtime/deadline/period can only be specified for SchedDeadline policy")
  }
  return undefined
}

// ---------------------------------------------------------------------------
// Validate

/**
 * What one check says: `undefined` (passed) or the {@link ConfigInvalid}
 * when it needed nothing from the host; an effect when it asks the host
 * (the cgroup mode, a `stat`, SELinux, RDT features) or logs.
 */
type Outcome = ConfigInvalid | undefined | Effect.Effect<void, ConfigInvalid, Services>

/** Runs `steps` from `from` on, in order, to the first failure: plain answers inline, an effect only where a step asks the host. */
const runSteps = (
  steps: ReadonlyArray<() => Outcome>,
  from: number
): Effect.Effect<void, ConfigInvalid, Services> => {
  for (let i = from; i < steps.length; i++) {
    const outcome = steps[i]!()
    if (outcome === undefined) continue
    if (outcome instanceof ConfigInvalid) return Effect.fail(outcome)
    return i + 1 === steps.length ? outcome : Effect.zipRight(outcome, Effect.suspend(() => runSteps(steps, i + 1)))
  }
  return Effect.void
}

/**
 * @internal
 * {@link validate} without its span, as `Factory.create` runs it: the
 * checks a routine config passes take direct calls and plain code only.
 */
export const validateUnspanned = (
  config: Config,
  options: ValidateOptions = {}
): Effect.Effect<void, ConfigInvalid, Services> =>
  Effect.suspend(() => {
    const rules = options.rules ?? "libcontainer"
    const steps: Array<() => Outcome> = [
      () => cgroupsCheck(config),
      () => rootfsCheck(config, options),
      () => networkCheck(config),
      () => utsCheck(config),
      () => securityCheck(config),
      () => namespacesCheck(config),
      () => sysctlCheck(config),
      () => intelRdtCheck(config),
      () => rootlessEUIDCheck(config)
    ]
    if (rules === "libcontainer") steps.push(() => mountsStrict(config), () => schedulerCheck(config))
    steps.push(() => mountsWarn(config, rules))
    return runSteps(steps, 0)
  })

/**
 * runc's `validate.Validate`: runs the checks of {@link checks} in order and
 * fails with the first {@link ConfigInvalid}; when all pass, a relative mount
 * destination is only logged (warning `configuration`, or runc 1.1.5's
 * `invalid configuration`; the text under the `error` annotation), as runc
 * does for backward compatibility. `options.rules` picks the rule set.
 */
export const validate = (config: Config, options: ValidateOptions = {}): Effect.Effect<void, ConfigInvalid, Services> =>
  Effect.withSpan(validateUnspanned(config, options), "Validate.validate")
