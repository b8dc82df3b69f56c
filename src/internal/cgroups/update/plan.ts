/**
 * What runc's cgroup managers write for `Manager.Set(resources)`, as plans:
 * the ordered steps of runc 1.1.5's fs driver (`libcontainer/cgroups/fs/*.go`
 * `Set`, in `fs.go`'s subsystem order) and fs2 driver (`fs2/*.go` `setX`, in
 * `fs2.go` `Set`'s order), computed from the resources and the few values
 * runc reads from the cgroup first ({@link readCurrentV1},
 * {@link readCurrentV2}). {@link runPlan} carries a plan out through a
 * {@link SetIO}, with runc's reaction to each write's failure.
 *
 * Devices are not part of a plan: `runc update` sets `SkipDevices`, and
 * creation applies device rules elsewhere.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Config from "../../../Config.js"
import * as Strconv from "../../strconv.js"
import { trimSpace } from "../stats/goText.js"
import { readParamUint, type StatReader } from "../stats/reader.js"
import { convertBlkioToIoWeight, convertMemorySwapToV2, numToStr } from "./convert.js"

/** Anything with a message: what a failed read or write of the caller's is. */
export interface Failure {
  readonly message: string
}

/** A step of a plan. */
export type SetStep =
  /** runc's `cgroups.WriteFile(dir, file, value)`. */
  | { readonly _tag: "Write"; readonly dir: string; readonly file: string; readonly value: string }
  /**
   * v1 `setMemory`: `memory.limit_in_bytes`; when the kernel answers EBUSY
   * (the limit is below the usage) the usage and peak are read for runc's
   * message `unable to set memory limit to N (current usage: U, peak usage: P)`.
   */
  | { readonly _tag: "WriteMemoryLimit"; readonly dir: string; readonly value: bigint }
  /**
   * v1 `cpu.shares`, then read back: the kernel clamps, and runc reports
   * `the maximum allowed cpu-shares is N` / `the minimum allowed cpu-shares is N`.
   */
  | { readonly _tag: "WriteCpuShares"; readonly dir: string; readonly value: bigint }
  /**
   * v1 `cpu.cfs_period_us`. With `retryAfterQuota`, an EINVAL (a shorter
   * period than the current quota allows) is not a failure yet: the period is
   * written again after the quota ({@link SetStep} `RetryCpuPeriod`).
   */
  | { readonly _tag: "WriteCpuPeriod"; readonly dir: string; readonly value: string; readonly retryAfterQuota: boolean }
  /** v1: the period again, only if its first write was put off. */
  | { readonly _tag: "RetryCpuPeriod"; readonly dir: string; readonly value: string }
  /** The freezer to `state`, as the driver's freezer code does it (v1's retry loop, v2's `cgroup.freeze`). */
  | { readonly _tag: "Freeze"; readonly dir: string; readonly state: "FROZEN" | "THAWED"; readonly driver: "v1" | "v2" }
  /**
   * v2: a write through the open `io.bfq.weight` (not `WriteFile`: a failure
   * is the bare write error, or `setting device weight "…": …` for a device line).
   */
  | { readonly _tag: "WriteBfq"; readonly dir: string; readonly value: string; readonly device: string | undefined }
  /** v2 `setUnified`: a key of `unified`, failures explained with the cgroup's controllers. */
  | {
    readonly _tag: "WriteUnified"
    readonly dir: string
    readonly key: string
    readonly value: string
    readonly controllers: ReadonlySet<string>
  }
  /** runc stops here with this error. */
  | { readonly _tag: "Fail"; readonly error: CgroupSetError }

/** A failure of `Set` with runc's text; `cause` is the caller's failure underneath, when there is one. */
export class CgroupSetError extends Data.TaggedError("CgroupSetError")<{
  readonly message: string
  readonly cause?: Failure
}> {}

const write = (dir: string, file: string, value: string): SetStep => ({ _tag: "Write", dir, file, value })
const fail = (message: string, cause?: Failure): SetStep => ({
  _tag: "Fail",
  error: new CgroupSetError(cause === undefined ? { message } : { message, cause })
})

/** A plan, and the resources as runc leaves them (v1 turns swap to -1 along with memory, and saves that). */
export interface SetPlan {
  readonly steps: ReadonlyArray<SetStep>
  readonly resources: Config.Resources
}

// ---------------------------------------------------------------------------
// cgroup v1

/** What runc's fs `Set` reads before writing, for {@link planV1}. */
export interface CurrentV1 {
  /** `PathExists(<memory>/memory.memsw.limit_in_bytes)`: swap accounting is on. */
  readonly memswLimitExists: boolean
  /**
   * `memory.limit_in_bytes`, read when both memory and swap are to be set
   * (to order the two writes); absent otherwise.
   */
  readonly memoryLimit?: Either.Either<bigint, Failure>
  /** `PathExists(<blkio>/blkio.weight)`: CFQ's files, else BFQ's (`blkio.bfq.weight`). */
  readonly blkioWeightExists: boolean
}

/** The swap value v1's `setMemoryAndSwap` ends up with: −1 with unlimited memory when swap accounting exists and swap is unset. */
export const effectiveSwapV1 = (r: Config.Resources, memswLimitExists: boolean): bigint =>
  r.memory === -1n && r.memory_swap === 0n && memswLimitExists ? -1n : r.memory_swap

/**
 * Reads what {@link planV1} needs, exactly where runc would read it: the
 * memsw file's existence (unlimited memory), the current memory limit (both
 * memory and swap set), and `blkio.weight`'s existence. A failed limit read is
 * kept for the plan, which fails at the point runc would.
 */
export const readCurrentV1 = <E extends Failure>(
  reader: StatReader<E>,
  paths: Readonly<Record<string, string>>,
  r: Config.Resources
): Effect.Effect<CurrentV1> =>
  Effect.gen(function*() {
    const memory = paths["memory"] ?? ""
    const blkio = paths["blkio"] ?? ""
    const memswLimitExists = memory !== "" && r.memory === -1n && r.memory_swap === 0n
      ? yield* reader.exists(`${memory}/memory.memsw.limit_in_bytes`)
      : false
    const swap = effectiveSwapV1(r, memswLimitExists)
    const memoryLimit = memory !== "" && r.memory !== 0n && swap !== 0n
      ? yield* Effect.either(readParamUint(reader, memory, "memory.limit_in_bytes"))
      : undefined
    const blkioWeightExists = blkio === "" ? false : yield* reader.exists(`${blkio}/blkio.weight`)
    return { memswLimitExists, ...(memoryLimit === undefined ? {} : { memoryLimit }), blkioWeightExists }
  })

const memoryV1 = (dir: string, r: Config.Resources, current: CurrentV1): { steps: Array<SetStep>; swap: bigint } => {
  const swap = effectiveSwapV1(r, current.memswLimitExists)
  const steps: Array<SetStep> = []
  const setMemory = (): Array<SetStep> => r.memory === 0n ? [] : [{ _tag: "WriteMemoryLimit", dir, value: r.memory }]
  const setSwap = (): Array<SetStep> => swap === 0n ? [] : [write(dir, "memory.memsw.limit_in_bytes", swap.toString())]
  let ordered = false
  if (r.memory !== 0n && swap !== 0n) {
    const limit = current.memoryLimit
    if (limit === undefined) return { steps: [fail("the current memory limit was not read")], swap }
    if (Either.isLeft(limit)) return { steps: [fail(limit.left.message, limit.left)], swap }
    if (swap === -1n || limit.right < BigInt.asUintN(64, swap)) {
      steps.push(...setSwap(), ...setMemory())
      ordered = true
    }
  }
  if (!ordered) steps.push(...setMemory(), ...setSwap())
  if (r.memory_reservation !== 0n) steps.push(write(dir, "memory.soft_limit_in_bytes", r.memory_reservation.toString()))
  if (r.oom_kill_disable) steps.push(write(dir, "memory.oom_control", "1"))
  const swappiness = r.memory_swappiness
  if (swappiness !== null && BigInt.asIntN(64, swappiness) !== -1n) {
    steps.push(
      swappiness <= 100n
        ? write(dir, "memory.swappiness", swappiness.toString())
        : fail(`invalid memory swappiness value: ${swappiness} (valid range is 0-100)`)
    )
  }
  return { steps, swap }
}

const cpuV1 = (dir: string, r: Config.Resources): Array<SetStep> => {
  const steps: Array<SetStep> = []
  if (r.cpu_shares !== 0n) steps.push({ _tag: "WriteCpuShares", dir, value: r.cpu_shares })
  const period = r.cpu_period.toString()
  if (r.cpu_period !== 0n) {
    steps.push({ _tag: "WriteCpuPeriod", dir, value: period, retryAfterQuota: r.cpu_quota !== 0n })
  }
  if (r.cpu_quota !== 0n) {
    steps.push(write(dir, "cpu.cfs_quota_us", r.cpu_quota.toString()))
    if (r.cpu_period !== 0n) steps.push({ _tag: "RetryCpuPeriod", dir, value: period })
  }
  if (r.cpu_rt_period !== 0n) steps.push(write(dir, "cpu.rt_period_us", r.cpu_rt_period.toString()))
  if (r.cpu_rt_quota !== 0n) steps.push(write(dir, "cpu.rt_runtime_us", r.cpu_rt_quota.toString()))
  return steps
}

const blkioV1 = (dir: string, r: Config.Resources, current: CurrentV1): Array<SetStep> => {
  const [weightFile, weightDeviceFile] = current.blkioWeightExists
    ? ["blkio.weight", "blkio.weight_device"]
    : ["blkio.bfq.weight", "blkio.bfq.weight_device"]
  const steps: Array<SetStep> = []
  if (r.blkio_weight !== 0) steps.push(write(dir, weightFile, String(r.blkio_weight)))
  if (r.blkio_leaf_weight !== 0) steps.push(write(dir, "blkio.leaf_weight", String(r.blkio_leaf_weight)))
  for (const wd of r.blkio_weight_device ?? []) {
    if (wd.weight !== 0) steps.push(write(dir, weightDeviceFile, `${wd.major}:${wd.minor} ${wd.weight}`))
    if (wd.leafWeight !== 0) steps.push(write(dir, "blkio.leaf_weight_device", `${wd.major}:${wd.minor} ${wd.leafWeight}`))
  }
  const throttles = [
    ["blkio.throttle.read_bps_device", r.blkio_throttle_read_bps_device],
    ["blkio.throttle.write_bps_device", r.blkio_throttle_write_bps_device],
    ["blkio.throttle.read_iops_device", r.blkio_throttle_read_iops_device],
    ["blkio.throttle.write_iops_device", r.blkio_throttle_write_iops_device]
  ] as const
  for (const [file, devices] of throttles) {
    for (const td of devices ?? []) steps.push(write(dir, file, `${td.major}:${td.minor} ${td.rate}`))
  }
  return steps
}

const rdmaCommand = (device: string, limits: { readonly hca_handles?: number; readonly hca_objects?: number }): string =>
  device +
  (limits.hca_handles === undefined ? "" : ` hca_handle=${limits.hca_handles}`) +
  (limits.hca_objects === undefined ? "" : ` hca_object=${limits.hca_objects}`)

const rdmaSteps = (dir: string, r: Config.Resources): Array<SetStep> =>
  Object.entries(r.rdma ?? {}).map(([device, limits]) => write(dir, "rdma.max", rdmaCommand(device, limits)))

/** The subsystems whose `Set` writes, in runc's fs order (devices left to creation). */
const v1Order = ["cpuset", "memory", "cpu", "pids", "blkio", "hugetlb", "net_cls", "net_prio", "freezer", "rdma"] as const

/**
 * fs `Manager.Set(r)` as a plan: each subsystem's writes in runc's order, in
 * the subsystem's directory from `paths`. A subsystem with something to write
 * but no directory fails with `cannot set <name> limit: container could not
 * join or create cgroup`; `unified` (even empty) fails the whole with
 * `invalid configuration: cannot use unified on cgroup v1`.
 */
export const planV1 = (paths: Readonly<Record<string, string>>, r: Config.Resources, current: CurrentV1): SetPlan => {
  if (r.unified !== null) return { steps: [fail("invalid configuration: cannot use unified on cgroup v1")], resources: r }
  const steps: Array<SetStep> = []
  let resources = r
  for (const name of v1Order) {
    const dir = Object.prototype.hasOwnProperty.call(paths, name) ? paths[name]! : ""
    let own: Array<SetStep>
    switch (name) {
      case "cpuset":
        own = [
          ...(r.cpuset_cpus === "" ? [] : [write(dir, "cpuset.cpus", r.cpuset_cpus)]),
          ...(r.cpuset_mems === "" ? [] : [write(dir, "cpuset.mems", r.cpuset_mems)])
        ]
        break
      case "memory": {
        const memory = memoryV1(dir, r, dir === "" ? { ...current, memswLimitExists: false } : current)
        own = memory.steps
        if (memory.swap !== r.memory_swap) resources = { ...resources, memory_swap: memory.swap }
        break
      }
      case "cpu":
        own = cpuV1(dir, r)
        break
      case "pids":
        own = r.pids_limit === 0n ? [] : [write(dir, "pids.max", r.pids_limit > 0n ? r.pids_limit.toString() : "max")]
        break
      case "blkio":
        own = blkioV1(dir, r, current)
        break
      case "hugetlb":
        own = (r.hugetlb_limit ?? []).map((h) => write(dir, `hugetlb.${h.page_size}.limit_in_bytes`, h.limit.toString()))
        break
      case "net_cls":
        own = r.net_cls_classid_u === 0 ? [] : [write(dir, "net_cls.classid", String(r.net_cls_classid_u))]
        break
      case "net_prio":
        own = (r.net_prio_ifpriomap ?? []).map((p) => write(dir, "net_prio.ifpriomap", `${p.interface} ${p.priority}`))
        break
      case "freezer":
        own = r.freezer === "" ? [] : r.freezer === "FROZEN"
          ? [{ _tag: "Freeze", dir, state: "FROZEN", driver: "v1" }]
          : r.freezer === "THAWED"
          ? [write(dir, "freezer.state", "THAWED")]
          : [fail(`Invalid argument '${r.freezer}' to freezer.state`)]
        break
      case "rdma":
        own = rdmaSteps(dir, r)
        break
    }
    if (dir === "" && own.length > 0) {
      steps.push(fail(`cannot set ${name} limit: container could not join or create cgroup`))
      break
    }
    steps.push(...own)
    if (own.some((s) => s._tag === "Fail")) break
  }
  return { steps, resources }
}

// ---------------------------------------------------------------------------
// cgroup v2

/** What runc's fs2 `Set` reads before writing, for {@link planV2}. */
export interface CurrentV2 {
  /** `cgroup.controllers`' names, or why it could not be read. */
  readonly controllers: Either.Either<ReadonlySet<string>, Failure>
  /**
   * `io.bfq.weight` opened read-write, when a blkio weight or weight devices
   * are to be set: `absent` (ENOENT), the first up to 32 bytes it reads
   * (`present`), or the open's failure.
   */
  readonly bfq?: BfqState
}

/** `io.bfq.weight` as fs2's `setIo` finds it. */
export type BfqState =
  | { readonly _tag: "absent" }
  | { readonly _tag: "present"; readonly head: string }
  | { readonly _tag: "failed"; readonly error: Failure }

/** Whether fs2 would look at `io.bfq.weight` for these resources. */
export const needsBfq = (r: Config.Resources): boolean => r.blkio_weight !== 0 || (r.blkio_weight_device ?? []).length > 0

/**
 * fs2's `bfqDeviceWeightSupported` as runc 1.1.5 has it: it reads into a
 * 32-byte buffer and parses the whole buffer, NUL padding included, so any
 * content shorter than 32 bytes counts as supporting per-device weights.
 */
export const bfqDeviceWeightSupported = (head: string): boolean => {
  const buffer = new TextEncoder().encode(head).slice(0, 32)
  const padded = new TextDecoder().decode(buffer) + "\0".repeat(32 - buffer.length)
  return Strconv.parseInt(trimSpace(padded), 10, 64)._tag === "Err"
}

/**
 * Reads what {@link planV2} needs: `cgroup.controllers` (always, first), and
 * `io.bfq.weight` when the weights are to be set. `openBfq` opens that file
 * read-write and returns its first 32 bytes; its ENOENT means absent.
 */
export const readCurrentV2 = <E extends Failure>(
  reader: StatReader<E>,
  dir: string,
  r: Config.Resources,
  openBfq: Effect.Effect<string, E>
): Effect.Effect<CurrentV2> =>
  Effect.gen(function*() {
    const controllers = yield* Effect.either(
      Effect.map(reader.read(dir, "cgroup.controllers"), (text) => new Set(text.split(/\s+/).filter((c) => c !== "")))
    )
    if (!needsBfq(r)) return { controllers }
    const bfq = yield* Effect.match(openBfq, {
      onSuccess: (head): BfqState => ({ _tag: "present", head }),
      onFailure: (error): BfqState =>
        reader.errno(error) === "ENOENT" ? { _tag: "absent" } : { _tag: "failed", error }
    })
    return { controllers, bfq }
  })

/** Options of {@link planV2} from the container's cgroup config. */
export interface V2Options {
  /** `config.Rootless` with no `config.Path`: an unreadable `cgroup.controllers` is then no failure. */
  readonly rootlessWithoutPath: boolean
}

/**
 * fs2 `Manager.Set(r)` as a plan, in runc's order: pids, memory (with
 * runc's swap conversion and its errors), io (BFQ's `io.bfq.weight` when it
 * exists, else `io.weight` converted), cpu (`cpu.weight`, `cpu.max` with the
 * default period 100000), cpuset, hugetlb, rdma, freezer, and the `unified`
 * keys (a key with a `/` fails).
 */
export const planV2 = (dir: string, r: Config.Resources, current: CurrentV2, options: V2Options): SetPlan => {
  const steps: Array<SetStep> = []
  const done = (step?: SetStep): SetPlan => ({ steps: step === undefined ? steps : [...steps, step], resources: r })
  let controllers: ReadonlySet<string> = new Set()
  if (Either.isLeft(current.controllers)) {
    if (!options.rootlessWithoutPath) return done(fail(current.controllers.left.message, current.controllers.left))
  } else {
    controllers = current.controllers.right
  }
  if (r.pids_limit !== 0n) {
    const value = numToStr(r.pids_limit)
    if (value !== "") steps.push(write(dir, "pids.max", value))
  }
  if (r.memory_reservation !== 0n || r.memory !== 0n || r.memory_swap !== 0n) {
    const swap = convertMemorySwapToV2(r.memory_swap, r.memory)
    if (Either.isLeft(swap)) return done(fail(swap.left))
    let swapText = numToStr(swap.right)
    if (swapText === "" && swap.right === 0n && r.memory_swap > 0n) swapText = "0"
    if (swapText !== "") steps.push(write(dir, "memory.swap.max", swapText))
    const memory = numToStr(r.memory)
    if (memory !== "") steps.push(write(dir, "memory.max", memory))
    const low = numToStr(r.memory_reservation)
    if (low !== "") steps.push(write(dir, "memory.low", low))
  }
  const throttles = [
    ["rbps", r.blkio_throttle_read_bps_device],
    ["wbps", r.blkio_throttle_write_bps_device],
    ["riops", r.blkio_throttle_read_iops_device],
    ["wiops", r.blkio_throttle_write_iops_device]
  ] as const
  const weightDevices = r.blkio_weight_device ?? []
  if (needsBfq(r) || throttles.some(([, list]) => (list ?? []).length > 0)) {
    let bfq: string | undefined
    if (needsBfq(r)) {
      const state: BfqState = current.bfq ?? { _tag: "absent" }
      if (state._tag === "failed") return done(fail(state.error.message, state.error))
      if (state._tag === "present") bfq = state.head
    }
    if (r.blkio_weight !== 0) {
      steps.push(
        bfq !== undefined
          ? { _tag: "WriteBfq", dir, value: String(r.blkio_weight), device: undefined }
          : write(dir, "io.weight", convertBlkioToIoWeight(r.blkio_weight).toString())
      )
    }
    if (bfq !== undefined && bfqDeviceWeightSupported(bfq)) {
      for (const wd of weightDevices) {
        const line = `${wd.major}:${wd.minor} ${wd.weight}`
        steps.push({ _tag: "WriteBfq", dir, value: `${line}\n`, device: line })
      }
    }
    for (const [name, list] of throttles) {
      for (const td of list ?? []) steps.push(write(dir, "io.max", `${td.major}:${td.minor} ${name}=${td.rate}`))
    }
  }
  if (r.cpu_weight !== 0n || r.cpu_quota !== 0n || r.cpu_period !== 0n) {
    if (r.cpu_weight !== 0n) steps.push(write(dir, "cpu.weight", r.cpu_weight.toString()))
    if (r.cpu_quota !== 0n || r.cpu_period !== 0n) {
      const quota = r.cpu_quota > 0n ? r.cpu_quota.toString() : "max"
      const period = r.cpu_period === 0n ? 100000n : r.cpu_period
      steps.push(write(dir, "cpu.max", `${quota} ${period}`))
    }
  }
  if (r.cpuset_cpus !== "") steps.push(write(dir, "cpuset.cpus", r.cpuset_cpus))
  if (r.cpuset_mems !== "") steps.push(write(dir, "cpuset.mems", r.cpuset_mems))
  for (const h of r.hugetlb_limit ?? []) steps.push(write(dir, `hugetlb.${h.page_size}.max`, h.limit.toString()))
  for (const step of rdmaSteps(dir, r)) steps.push(step)
  if (r.freezer === "FROZEN" || r.freezer === "THAWED") {
    steps.push({ _tag: "Freeze", dir, state: r.freezer, driver: "v2" })
  } else if (r.freezer !== "") {
    return done(fail(`invalid freezer state ${Strconv.quote(r.freezer)} requested`))
  }
  for (const [key, value] of Object.entries(r.unified ?? {})) {
    if (key.includes("/")) return done(fail(`unified resource ${Strconv.quote(key)} must be a file name (no slashes)`))
    steps.push({ _tag: "WriteUnified", dir, key, value, controllers })
  }
  return done()
}

// ---------------------------------------------------------------------------
// Running a plan

/** The writes a plan needs, on the real cgroupfs or a simulated one. */
export interface SetIO<E extends Failure> {
  /** runc's `cgroups.WriteFile`: a failed write reads `failed to write "<value>": <error>`. */
  readonly write: (dir: string, file: string, value: string) => Effect.Effect<void, E>
  /** A write through `io.bfq.weight` opened read-write: the bare write error on failure. */
  readonly writeBfq: (dir: string, value: string) => Effect.Effect<void, E>
  /** fscommon's `GetCgroupParamUint` (cpu shares read back, memory usage for the EBUSY message). */
  readonly readUint: (dir: string, file: string) => Effect.Effect<bigint, E>
  /** The freezer to a state, as the driver's `Freeze` does it. */
  readonly freeze: (dir: string, state: "FROZEN" | "THAWED", driver: "v1" | "v2") => Effect.Effect<void, E>
  /** The errno name behind a failure (`EBUSY`, `EINVAL`, `EPERM`, `ENOENT`…), if any. */
  readonly errno: (error: E) => string | undefined
}

/**
 * Carries out `plan` step by step, stopping at the first failure as runc
 * does, with runc's special cases: EBUSY on the v1 memory limit, the cpu
 * shares read back, the v1 period put off after EINVAL, the unified keys'
 * explanations.
 */
export const runPlan = <E extends Failure>(io: SetIO<E>, plan: SetPlan): Effect.Effect<void, E | CgroupSetError> =>
  Effect.gen(function*() {
    let periodPutOff = false
    for (const step of plan.steps) {
      switch (step._tag) {
        case "Write":
          yield* io.write(step.dir, step.file, step.value)
          break
        case "WriteMemoryLimit": {
          const written = yield* Effect.either(io.write(step.dir, "memory.limit_in_bytes", step.value.toString()))
          if (Either.isRight(written)) break
          if (io.errno(written.left) !== "EBUSY") return yield* Effect.fail(written.left)
          const usage = yield* io.readUint(step.dir, "memory.usage_in_bytes")
          const peak = yield* io.readUint(step.dir, "memory.max_usage_in_bytes")
          return yield* new CgroupSetError({
            message: `unable to set memory limit to ${step.value} (current usage: ${usage}, peak usage: ${peak})`
          })
        }
        case "WriteCpuShares": {
          yield* io.write(step.dir, "cpu.shares", step.value.toString())
          const read = yield* io.readUint(step.dir, "cpu.shares")
          if (step.value > read) return yield* new CgroupSetError({ message: `the maximum allowed cpu-shares is ${read}` })
          if (step.value < read) return yield* new CgroupSetError({ message: `the minimum allowed cpu-shares is ${read}` })
          break
        }
        case "WriteCpuPeriod": {
          const written = yield* Effect.either(io.write(step.dir, "cpu.cfs_period_us", step.value))
          if (Either.isLeft(written)) {
            if (io.errno(written.left) !== "EINVAL" || !step.retryAfterQuota) return yield* Effect.fail(written.left)
            periodPutOff = true
          }
          break
        }
        case "RetryCpuPeriod":
          if (periodPutOff) yield* io.write(step.dir, "cpu.cfs_period_us", step.value)
          break
        case "Freeze":
          yield* io.freeze(step.dir, step.state, step.driver)
          break
        case "WriteBfq": {
          const device = step.device
          yield* device === undefined
            ? io.writeBfq(step.dir, step.value)
            : Effect.mapError(io.writeBfq(step.dir, step.value), (cause) =>
              new CgroupSetError({ message: `setting device weight ${Strconv.quote(device)}: ${cause.message}`, cause }))
          break
        }
        case "WriteUnified": {
          const written = yield* Effect.either(io.write(step.dir, step.key, step.value))
          if (Either.isRight(written)) break
          const cause = written.left
          const errno = io.errno(cause)
          const key = Strconv.quote(step.key)
          if (errno === "EPERM" || errno === "EACCES" || errno === "ENOENT") {
            const dot = step.key.indexOf(".")
            if (dot < 0) return yield* new CgroupSetError({ message: `unified resource ${key} must be in the form CONTROLLER.PARAMETER`, cause })
            const controller = step.key.slice(0, dot)
            if (!step.controllers.has(controller) && controller !== "cgroup") {
              return yield* new CgroupSetError({
                message: `unified resource ${key} can't be set: controller ${Strconv.quote(controller)} not available`,
                cause
              })
            }
          }
          return yield* new CgroupSetError({ message: `unable to set unified resource ${key}: ${cause.message}`, cause })
        }
        case "Fail":
          return yield* Effect.fail(step.error)
      }
    }
  }).pipe(Effect.withSpan("CgroupManager.runSetPlan"))
