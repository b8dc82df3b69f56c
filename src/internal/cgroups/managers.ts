/**
 * The four managers runc's `manager.New` can return
 * (`libcontainer/cgroups/manager/new.go`):
 * fs (v1), legacy systemd (v1), fs2 (v2) and unified systemd (v2), each with
 * runc's choice of which path an operation looks at. The systemd ones share
 * their cgroupfs behaviour with fs/fs2; stopping the unit on destroy needs
 * D-Bus and fails with a `DbusRequired` error.
 */
import * as Effect from "effect/Effect"
import type { FreezerState, Manager } from "../../CgroupManager.js"
import type { Cgroup, Resources } from "../../Config.js"
import type { SystemError } from "../../ContainerError.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError, dbusRequired, subsystemDoesNotExist } from "./errors.js"
import * as Files from "./files.js"
import * as Freezer from "./freezer.js"
import { getAllPids } from "./pids.js"
import { removePath, removePaths } from "./remove.js"
import * as Set from "./set.js"
import * as StatReader from "./statReader.js"
import type { CgroupParseError } from "./stats/errors.js"
import * as StatsV1 from "./stats/v1.js"
import * as StatsV2 from "./stats/v2.js"
import { unitName } from "./systemdPaths.js"

/** Whether `stat(path)` succeeds, through the Filesystem port's direct call: a routine "no" costs no error object. */
const existsNow = (env: CgroupEnv, path: string): boolean => typeof env.fs.direct.stat(path) !== "string"

const exists = (env: CgroupEnv, path: string): Effect.Effect<boolean> => Effect.sync(() => existsNow(env, path))

/**
 * runc 1.2's `cgroup.kill` step of `signalAllProcesses`: `1` written to the
 * unified cgroup's `cgroup.kill` (through the same checked write as every
 * cgroup file); false when there is no unified cgroup or no such file.
 */
const killVia = (env: CgroupEnv, dir: string): Effect.Effect<boolean, CgroupError | SystemError> =>
  dir === ""
    ? Effect.succeed(false)
    : Files.writeFile(env, dir, "cgroup.kill", "1").pipe(
      Effect.as(true),
      Effect.catchIf((e) => e._tag === "SystemError" && e.code === "ENOENT", () => Effect.succeed(false)),
      Effect.withSpan("CgroupManager.kill")
    )

const notConfigured = () => new CgroupError({ message: "cannot toggle freezer: cgroups not configured for container" })

/** Setting a systemd unit's properties: the D-Bus call runc's systemd managers make before writing cgroupfs. */
const setUnitProperties = (cg: Cgroup) => {
  const unit = unitName(cg)
  return Effect.fail(
    dbusRequired(`setting the properties of systemd unit ${unit}`, "use the fs or fs2 cgroup driver to change its limits")
  )
}

/** runc's `OOMKillCount` tolerance: a rootless container whose cgroup could not be created reads 0. */
const oomKillCountOf = (
  cg: Cgroup,
  count: Effect.Effect<bigint, StatReader.ReadFailure | CgroupParseError>
): Effect.Effect<bigint, StatReader.ReadFailure | CgroupParseError> =>
  Effect.catchIf(
    count,
    (e) => cg.Rootless && e._tag !== "CgroupParseError" && Files.errnoOf(e) === "ENOENT",
    () => Effect.succeed(0n)
  )

/** Stopping the systemd unit: a D-Bus call runc makes on destroy. */
const stopUnit = (cg: Cgroup) => {
  const unit = unitName(cg)
  return Effect.fail(dbusRequired(`stopping systemd unit ${unit}`, `stop it with \`systemctl stop ${unit}\``))
}

/**
 * The v1 managers: a live map of per-hierarchy paths, which destroy empties
 * as it removes them. Load builds one per container, so building one does no
 * more than allocate: each operation's effect is made when it is called.
 */
const v1Manager = (
  env: CgroupEnv,
  cg: Cgroup,
  initial: Readonly<Record<string, string>>,
  systemd: boolean
): Manager => {
  // No prototype: a saved key such as `constructor` or `__proto__` is just a key.
  const paths: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, initial)
  const has = (subsystem: string) => Object.prototype.hasOwnProperty.call(paths, subsystem)
  const path = (subsystem: string) => has(subsystem) ? paths[subsystem]! : ""
  return {
    exists: Effect.suspend(() => exists(env, path("devices"))),
    existsNow: () => existsNow(env, path("devices")),
    getFreezerStateNow: () =>
      (systemd ? !has("freezer") : path("freezer") === "") ? "" : Freezer.getStateV1Now(env, path("freezer")),
    getAllPids: Effect.suspend(() =>
      (systemd && !has("devices") ? Effect.fail(subsystemDoesNotExist()) : getAllPids(env, path("devices"))).pipe(
        Effect.withSpan("CgroupManager.getAllPids")
      )
    ),
    // No span: every status refresh reads the freezer, and a span costs more than the read.
    getFreezerState: Effect.suspend(() => {
      const absent = systemd ? !has("freezer") : path("freezer") === ""
      return absent ? Effect.succeed<FreezerState>("") : Freezer.getStateV1(env, path("freezer"))
    }),
    freeze: (state) =>
      Effect.suspend(() => {
        if (systemd && !has("freezer")) return Effect.fail(subsystemDoesNotExist())
        if (!systemd && path("freezer") === "") return Effect.fail(notConfigured())
        return Freezer.setStateV1(env, path("freezer"), state)
      }).pipe(Effect.withSpan("CgroupManager.freeze")),
    kill: Effect.suspend(() => killVia(env, path(""))),
    destroy: Effect.suspend(() =>
      (systemd
        // runc removes the paths whether or not the stop worked, and reports the stop failure first.
        ? Effect.zipRight(Effect.either(removePaths(env, paths)), stopUnit(cg))
        : removePaths(env, paths)).pipe(Effect.withSpan("CgroupManager.destroy"))
    ),
    getPaths: Effect.sync(() => ({ ...paths })),
    path: (subsystem) => Effect.sync(() => path(subsystem)),
    getStats: Effect.suspend(() =>
      Effect.flatMap(env.hugePageSizes, (hugePageSizes) =>
        StatsV1.getStats(StatReader.make(env), { paths: { ...paths }, hugePageSizes }))
    ),
    oomKillCount: Effect.suspend(() => oomKillCountOf(cg, StatsV1.oomKillCount(StatReader.make(env), path("memory")))),
    set: (resources: Resources) =>
      systemd ? setUnitProperties(cg) : Effect.suspend(() => Set.setV1(env, { ...paths }, resources))
  }
}

/** runc's fs (v1) manager over `paths`. */
export const fs = (env: CgroupEnv, cg: Cgroup, paths: Readonly<Record<string, string>>): Manager =>
  v1Manager(env, cg, paths, false)

/** runc's legacy systemd (v1) manager over `paths`; destroy also needs D-Bus to stop the unit. */
export const systemdLegacy = (env: CgroupEnv, cg: Cgroup, paths: Readonly<Record<string, string>>): Manager =>
  v1Manager(env, cg, paths, true)

/** The v2 managers: one directory, reported under the key `""`. */
const v2Manager = (env: CgroupEnv, cg: Cgroup, dir: string, systemd: boolean): Manager => ({
  exists: Effect.suspend(() => exists(env, dir)),
  existsNow: () => existsNow(env, dir),
  getFreezerStateNow: () => Freezer.getStateV2Now(env, dir),
  getAllPids: Effect.suspend(() => getAllPids(env, dir).pipe(Effect.withSpan("CgroupManager.getAllPids"))),
  getFreezerState: Effect.suspend(() => Freezer.getStateV2(env, dir)),
  freeze: (state) =>
    Effect.suspend(() =>
      cg.Resources === undefined ? Effect.fail(notConfigured()) : Freezer.setStateV2(env, dir, state)
    ).pipe(Effect.withSpan("CgroupManager.freeze")),
  kill: Effect.suspend(() => killVia(env, dir)),
  destroy: Effect.suspend(() =>
    (systemd ? Effect.zipRight(stopUnit(cg), removePath(env, dir)) : removePath(env, dir)).pipe(
      Effect.withSpan("CgroupManager.destroy")
    )
  ),
  getPaths: Effect.sync(() => ({ "": dir })),
  path: () => Effect.succeed(dir),
  getStats: Effect.suspend(() =>
    Effect.flatMap(env.hugePageSizes, (hugePageSizes) =>
      StatsV2.getStats(StatReader.make(env), {
        dir,
        hugePageSizes,
        meminfo: StatReader.meminfo(env),
        rootless: cg.Rootless
      }))
  ),
  oomKillCount: Effect.suspend(() => oomKillCountOf(cg, StatsV2.oomKillCount(StatReader.make(env), dir))),
  set: (resources: Resources) => systemd ? setUnitProperties(cg) : Effect.suspend(() => Set.setV2(env, cg, dir, resources))
})

/** runc's fs2 manager on `dir`. */
export const fs2 = (env: CgroupEnv, cg: Cgroup, dir: string): Manager => v2Manager(env, cg, dir, false)

/** runc's unified systemd manager on `dir`; destroy needs D-Bus to stop the unit first. */
export const systemdUnified = (env: CgroupEnv, cg: Cgroup, dir: string): Manager => v2Manager(env, cg, dir, true)
