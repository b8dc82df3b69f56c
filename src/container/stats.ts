/**
 * runc's `Stats()` (`libcontainer/container_linux.go`): one snapshot of a
 * container's resource usage — the cgroup's counters, the Intel RDT group's
 * and the host ends of its veth interfaces.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { StatsError as CgroupStatsError } from "../CgroupManager.js"
import { type SystemError, withContext } from "../ContainerError.js"
import { Filesystem, type FilesystemService } from "../Filesystem.js"
import { SYSFS_MAGIC, type WrongFilesystem } from "../internal/filesystemType.js"
import type { ContainerStats } from "../internal/cgroups/stats/events.js"
import { interfaceStats, type NetworkStatParseError } from "../internal/cgroups/stats/network.js"
import type { StatReader } from "../internal/cgroups/stats/reader.js"
import * as Strconv from "../internal/strconv.js"
import { IntelRdt, type StatsError as IntelRdtStatsError } from "../IntelRdt.js"
import { type Container, snapshot } from "./model.js"

/**
 * Every way {@link stats} can fail, each with runc's context before its own
 * text: `unable to get container cgroup stats: …`, `unable to get container
 * Intel RDT stats: …`, `unable to get network stats for interface "veth0": …`.
 */
export type StatsError =
  | CgroupStatsError
  | IntelRdtStatsError
  | SystemError
  | WrongFilesystem
  | NetworkStatParseError

/** The most an interface counter file is read: a uint64 and a newline fit many times over. */
const maxCounterBytes = 4096

const decoder = new TextDecoder()

/**
 * The host interfaces' counters, read from sysfs only (a name that leads
 * elsewhere — `../..` in a hostile state.json — finds no sysfs file).
 */
const sysfsReader = (fs: FilesystemService): StatReader<SystemError | WrongFilesystem> => ({
  read: (dir, file) =>
    Effect.map(fs.readFileOn(`${dir}/${file}`, [SYSFS_MAGIC], { maxBytes: maxCounterBytes }), (b) => decoder.decode(b)),
  exists: (path) => Effect.isSuccess(fs.stat(path)),
  errno: (e) => (e._tag === "SystemError" ? e.code : undefined)
})

/**
 * runc's `Stats()`: the cgroup manager's stats; the Intel RDT group's when
 * the container has one (with the host's RDT features, which decide what
 * `runc events` shows of them); and, for each `veth` network of the config,
 * the host end's counters seen from the container (`/sys/class/net/<host
 * interface>/statistics`, transmit and receive swapped). Neither the status
 * nor the container's lock is consulted, as in runc: a stopped container
 * whose cgroup is gone fails in the cgroup step.
 */
export const stats: (c: Container) => Effect.Effect<ContainerStats, StatsError, Filesystem | IntelRdt> = Effect.fn(
  "Container.stats"
)(function*(c: Container) {
  const cgroup = yield* Effect.mapError(c.cgroupManager.getStats, (e) => withContext("unable to get container cgroup stats", e))
  let intelRdt: ContainerStats["intelRdt"]
  if (Option.isSome(c.intelRdtManager)) {
    const rdt = yield* Effect.mapError(
      c.intelRdtManager.value.getStats,
      (e) => withContext("unable to get container Intel RDT stats", e)
    )
    if (Option.isSome(rdt)) intelRdt = { stats: rdt.value, features: yield* (yield* IntelRdt).features }
  }
  const model = yield* snapshot(c)
  const reader = sysfsReader(yield* Filesystem)
  const interfaces = []
  for (const network of model.config.networks ?? []) {
    if (network === null || network.type !== "veth") continue
    const name = network.host_interface_name
    interfaces.push(
      yield* Effect.mapError(
        interfaceStats(reader, name),
        (e) => withContext(`unable to get network stats for interface ${Strconv.quote(name)}`, e)
      )
    )
  }
  return { cgroup, ...(intelRdt === undefined ? {} : { intelRdt }), interfaces }
})
