/**
 * `runc update` before it touches the cgroup (runc 1.1.5 `update.go`): its
 * flags, read into the update value with runc's checks and messages, and the
 * new container config runc builds from the old one — which it then hands to
 * `Container.Set` (see `plan.ts` for what that writes).
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type * as Config from "../../../Config.js"
import * as Strconv from "../../strconv.js"
import { convertCpuSharesToV2 } from "./convert.js"
import { decodeResourcesJson, initialUpdate, type ResourcesUpdate } from "./specJson.js"
import { ramInBytes } from "./units.js"

/** runc 1.1.5's update flags, by the name it gives them (`--cpu-share`, singular, as runc spells it). */
export const updateFlags = [
  "resources",
  "blkio-weight",
  "cpu-period",
  "cpu-quota",
  "cpu-share",
  "cpu-rt-period",
  "cpu-rt-runtime",
  "cpuset-cpus",
  "cpuset-mems",
  "kernel-memory",
  "kernel-memory-tcp",
  "memory",
  "memory-reservation",
  "memory-swap",
  "pids-limit",
  "l3-cache-schema",
  "mem-bw-schema"
] as const

/** One of {@link updateFlags}; `-r` is the short name of `resources`. */
export type UpdateFlag = typeof updateFlags[number]

/** The two flags urfave/cli parses as Go `int`s while reading the command line. */
export const intFlags: ReadonlyArray<UpdateFlag> = ["blkio-weight", "pids-limit"]

/** The update flags given on the command line, each as its text (the last one given, as Go's flag package keeps). */
export type UpdateFlagValues = Partial<Readonly<Record<UpdateFlag, string>>>

/**
 * An int flag that is not a Go int, refused while the command line is read
 * (before the container is looked up): `invalid value "x" for flag
 * -blkio-weight: parse error` (or `value out of range`). runc prints
 * `Incorrect Usage:` and the command's help before it.
 */
export class UpdateFlagSyntaxError extends Data.TaggedError("UpdateFlagSyntaxError")<{
  readonly flag: UpdateFlag
  readonly value: string
  readonly reason: "parse error" | "value out of range"
}> {
  override get message(): string {
    return `invalid value ${Strconv.quote(this.value)} for flag -${this.flag}: ${this.reason}`
  }
}

/** A flag value runc's update action refuses: `invalid value for memory: invalid size: 'x'` and the like. */
export class UpdateValueError extends Data.TaggedError("UpdateValueError")<{
  readonly flag: UpdateFlag
  readonly reason: string
}> {
  override get message(): string {
    return `invalid value for ${this.flag}: ${this.reason}`
  }
}

/** The `-r` document could not be decoded; the message is Go's decoder error (`EOF`, `json: cannot unmarshal …`). */
export class UpdateResourcesDecodeError extends Data.TaggedError("UpdateResourcesDecodeError")<{
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/**
 * The `-r` document cleared a pointer runc then dereferences (`"memory": null`,
 * `"limit": null`, …): runc 1.1.5 panics there. `field` names it.
 */
export class UpdateNilResource extends Data.TaggedError("UpdateNilResource")<{
  readonly field: string
}> {
  override get message(): string {
    return "runtime error: invalid memory address or nil pointer dereference"
  }
}

/** An Intel RDT schema flag on a host without that feature (`Intel RDT/CAT: l3 cache schema is not enabled`, …). */
export class UpdateRdtNotEnabled extends Data.TaggedError("UpdateRdtNotEnabled")<{
  readonly feature: "CAT" | "MBA"
}> {
  override get message(): string {
    return this.feature === "CAT"
      ? "Intel RDT/CAT: l3 cache schema is not enabled"
      : "Intel RDT/MBA: memory bandwidth schema is not enabled"
  }
}

/**
 * Go's flag package reading an `int` flag: `strconv.ParseInt(text, 0, 64)`
 * (so `0x10`, `-0o7` and `1_000` are numbers).
 */
export const parseIntFlag = (flag: UpdateFlag, value: string): Either.Either<bigint, UpdateFlagSyntaxError> => {
  const parsed = Strconv.parseInt(value, 0, 64)
  return parsed._tag === "Ok"
    ? Either.right(parsed.value)
    : Either.left(
      new UpdateFlagSyntaxError({ flag, value, reason: parsed.kind === "syntax" ? "parse error" : "value out of range" })
    )
}

/** The int flags' values (0 when not given), or the first that is not a Go int, in runc's flag order. */
export const checkIntFlags = (
  values: UpdateFlagValues
): Either.Either<{ readonly blkioWeight: bigint; readonly pidsLimit: bigint }, UpdateFlagSyntaxError> => {
  const read = (flag: UpdateFlag) => (values[flag] === undefined ? Either.right(0n) : parseIntFlag(flag, values[flag]!))
  return Either.flatMap(read("blkio-weight"), (blkioWeight) =>
    Either.map(read("pids-limit"), (pidsLimit) => ({ blkioWeight, pidsLimit })))
}

const given = (values: UpdateFlagValues, flag: UpdateFlag): string | undefined => {
  const value = values[flag]
  return value === undefined || value === "" ? undefined : value
}

/**
 * runc's update action reading its flags into `r`, in its order: when
 * `resources` names a document (its content is `resourcesText`, read by the
 * caller from the file or standard input), that document and nothing else;
 * otherwise the blkio weight (truncated to a uint16, as runc does), cpuset
 * lists, the unsigned cpu values (`strconv.ParseUint`), the signed ones
 * (`strconv.ParseInt`), the memory sizes (`-1`, or go-units `RAMInBytes`),
 * and the pids limit. An empty flag value counts as not given.
 */
export const readUpdate = (
  values: UpdateFlagValues,
  resourcesText?: string
): Either.Either<ResourcesUpdate, UpdateFlagSyntaxError | UpdateValueError | UpdateResourcesDecodeError> => {
  if (given(values, "resources") !== undefined) {
    return Either.mapLeft(decodeResourcesJson(resourcesText ?? ""), (reason) => new UpdateResourcesDecodeError({ reason }))
  }
  return Either.flatMap(checkIntFlags(values), ({ blkioWeight, pidsLimit }) => {
    const memory = { ...initialUpdate.memory! }
    const cpu = { ...initialUpdate.cpu! }
    let weight = 0
    if (blkioWeight !== 0n) weight = Number(BigInt.asUintN(16, blkioWeight))
    cpu.cpus = given(values, "cpuset-cpus") ?? ""
    cpu.mems = given(values, "cpuset-mems") ?? ""
    const unsigned = [["cpu-period", "period"], ["cpu-rt-period", "realtimePeriod"], ["cpu-share", "shares"]] as const
    for (const [flag, key] of unsigned) {
      const text = given(values, flag)
      if (text === undefined) continue
      const parsed = Strconv.parseUint(text, 10, 64)
      if (parsed._tag === "Err") {
        return Either.left(new UpdateValueError({ flag, reason: Strconv.numErrorText("ParseUint", text, parsed.kind) }))
      }
      cpu[key] = parsed.value
    }
    const signed = [["cpu-quota", "quota"], ["cpu-rt-runtime", "realtimeRuntime"]] as const
    for (const [flag, key] of signed) {
      const text = given(values, flag)
      if (text === undefined) continue
      const parsed = Strconv.parseInt(text, 10, 64)
      if (parsed._tag === "Err") {
        return Either.left(new UpdateValueError({ flag, reason: Strconv.numErrorText("ParseInt", text, parsed.kind) }))
      }
      cpu[key] = parsed.value
    }
    const sizes = [
      ["memory", "limit"],
      ["memory-swap", "swap"],
      ["kernel-memory", "kernel"],
      ["kernel-memory-tcp", "kernelTCP"],
      ["memory-reservation", "reservation"]
    ] as const
    for (const [flag, key] of sizes) {
      const text = given(values, flag)
      if (text === undefined) continue
      if (text === "-1") {
        memory[key] = -1n
        continue
      }
      const bytes = ramInBytes(text)
      if (Either.isLeft(bytes)) return Either.left(new UpdateValueError({ flag, reason: bytes.left }))
      memory[key] = bytes.right
    }
    const update: ResourcesUpdate = { memory, cpu, blockIO: { weight }, pids: { limit: pidsLimit }, unified: null }
    return Either.right(update)
  })
}

/** What the host's Intel RDT offers, for the schema flags. */
export interface RdtSupport {
  /** `intelrdt.IsCATEnabled()`. */
  readonly cat: boolean
  /** `intelrdt.IsMBAEnabled()`. */
  readonly mba: boolean
}

/** The config `runc update` passes to `Container.Set`, and what else it did or must do. */
export interface UpdatedConfig {
  readonly config: Config.Config
  /** runc's warnings (logged, not errors): `Kernel memory settings are ignored and will be removed`. */
  readonly warnings: ReadonlyArray<string>
  /**
   * The container had no Intel RDT group and a schema flag was given: runc
   * creates the group and moves the init process into it
   * (`intelRdtManager.Apply(state.InitProcessPid)`) before `Set`.
   */
  readonly applyIntelRdt: boolean
}

/** What runc logs when kernel memory limits are given. */
export const kernelMemoryWarning = "Kernel memory settings are ignored and will be removed"

const deref = <A>(value: A | null, field: string): Either.Either<A, UpdateNilResource> =>
  value === null ? Either.left(new UpdateNilResource({ field })) : Either.right(value)

/**
 * runc's update action from `r` to the new config, step by step as runc
 * does it:
 *
 * - every resource runc's update knows is replaced, not merged: a value not
 *   given becomes 0 (or empty) in the saved config — only the cpu quota and
 *   period are kept when just the other one is given;
 * - `cpu_weight` (cgroup v2) is computed from the shares;
 * - `unified` becomes the document's (nil without `-r`);
 * - the Intel RDT schemas are both set (one given clears the other) when
 *   either flag is given; on a host without the feature, runc's error.
 *
 * Fails where runc would panic on a nil pointer: of `r` (after `-r`), or a
 * config without cgroup resources (which runc never writes).
 */
export const applyUpdate = (
  config: Config.Config,
  update: ResourcesUpdate,
  rdt: { readonly l3CacheSchema: string; readonly memBwSchema: string; readonly support: RdtSupport }
): Either.Either<UpdatedConfig, UpdateNilResource | UpdateRdtNotEnabled> =>
  Either.gen(function*() {
    const memory = yield* deref(update.memory, "memory")
    // `*Kernel != 0 || *KernelTCP != 0`: KernelTCP is dereferenced only when Kernel is 0
    const kernel = yield* deref(memory.kernel, "memory.kernel")
    const warn = kernel !== 0n || (yield* deref(memory.kernelTCP, "memory.kernelTCP")) !== 0n
    const warnings = warn ? [kernelMemoryWarning] : []
    const blockIO = yield* deref(update.blockIO, "blockIO")
    const weight = yield* deref(blockIO.weight, "blockIO.weight")
    const cpu = yield* deref(update.cpu, "cpu")
    const p = yield* deref(cpu.period, "cpu.period")
    const q = yield* deref(cpu.quota, "cpu.quota")
    const cgroups = yield* deref(config.cgroups, "config.Cgroups")
    const old = yield* deref(cgroups.Resources ?? null, "config.Cgroups.Resources")
    let cpuPeriod = old.cpu_period
    let cpuQuota = old.cpu_quota
    if ((p === 0n && q === 0n) || (p !== 0n && q !== 0n)) {
      cpuPeriod = p
      cpuQuota = q
    } else if (p !== 0n) {
      cpuPeriod = p
    } else {
      cpuQuota = q
    }
    const shares = yield* deref(cpu.shares, "cpu.shares")
    const rtPeriod = yield* deref(cpu.realtimePeriod, "cpu.realtimePeriod")
    const rtRuntime = yield* deref(cpu.realtimeRuntime, "cpu.realtimeRuntime")
    const limit = yield* deref(memory.limit, "memory.limit")
    const reservation = yield* deref(memory.reservation, "memory.reservation")
    const swap = yield* deref(memory.swap, "memory.swap")
    const pids = yield* deref(update.pids, "pids")
    const resources: Config.Resources = {
      ...old,
      blkio_weight: weight,
      cpu_period: cpuPeriod,
      cpu_quota: cpuQuota,
      cpu_shares: shares,
      cpu_weight: convertCpuSharesToV2(shares),
      cpu_rt_period: rtPeriod,
      cpu_rt_quota: rtRuntime,
      cpuset_cpus: cpu.cpus,
      cpuset_mems: cpu.mems,
      memory: limit,
      memory_reservation: reservation,
      memory_swap: swap,
      pids_limit: pids.limit,
      unified: update.unified
    }
    if (rdt.l3CacheSchema !== "" && !rdt.support.cat) return yield* Either.left(new UpdateRdtNotEnabled({ feature: "CAT" }))
    if (rdt.memBwSchema !== "" && !rdt.support.mba) return yield* Either.left(new UpdateRdtNotEnabled({ feature: "MBA" }))
    const schemasGiven = rdt.l3CacheSchema !== "" || rdt.memBwSchema !== ""
    const updated: Config.Config = { ...config, cgroups: { ...cgroups, Resources: resources } }
    if (!schemasGiven) return { config: updated, warnings, applyIntelRdt: false }
    const { l3_cache_schema: _l3, memBwSchema: _mb, ...rest } = config.intel_rdt ?? {}
    const intelRdt: Config.IntelRdt = {
      ...rest,
      ...(rdt.l3CacheSchema === "" ? {} : { l3_cache_schema: rdt.l3CacheSchema }),
      ...(rdt.memBwSchema === "" ? {} : { memBwSchema: rdt.memBwSchema })
    }
    return { config: { ...updated, intel_rdt: intelRdt }, warnings, applyIntelRdt: config.intel_rdt === undefined }
  })
