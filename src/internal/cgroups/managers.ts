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
 * as it removes them. Load builds one per container (every `list` entry), so
 * building one allocates one object and copies nothing: the operations live
 * on the prototype and make their effect when asked, and the paths are
 * copied on the first removal (before that the saved record is only read).
 */
class V1Manager implements Manager {
  /** The saved paths until the first destroy; then a copy without a prototype, which destroy empties. */
  private paths: Readonly<Record<string, string>>
  private owned = false
  constructor(
    private readonly env: CgroupEnv,
    private readonly cg: Cgroup,
    initial: Readonly<Record<string, string>>,
    private readonly systemd: boolean
  ) {
    this.paths = initial
  }
  private has(subsystem: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.paths, subsystem)
  }
  private pathOf(subsystem: string): string {
    return this.has(subsystem) ? this.paths[subsystem]! : ""
  }
  /** The paths as a record of this manager's own (no prototype: a saved `constructor` or `__proto__` is just a key). */
  private ownPaths(): Record<string, string> {
    if (!this.owned) {
      this.paths = Object.assign(Object.create(null) as Record<string, string>, this.paths)
      this.owned = true
    }
    return this.paths as Record<string, string>
  }
  /** A copy for a caller (spread, so a saved `__proto__` key stays a key). */
  private copy(): Record<string, string> {
    return { ...this.paths }
  }
  get exists(): Effect.Effect<boolean> {
    return Effect.suspend(() => exists(this.env, this.pathOf("devices")))
  }
  existsNow(): boolean {
    return existsNow(this.env, this.pathOf("devices"))
  }
  getFreezerStateNow(): "" | "THAWED" | undefined {
    return (this.systemd ? !this.has("freezer") : this.pathOf("freezer") === "")
      ? ""
      : Freezer.getStateV1Now(this.env, this.pathOf("freezer"))
  }
  get getAllPids(): Manager["getAllPids"] {
    return Effect.suspend(() =>
      (this.systemd && !this.has("devices")
        ? Effect.fail(subsystemDoesNotExist())
        : getAllPids(this.env, this.pathOf("devices"))).pipe(Effect.withSpan("CgroupManager.getAllPids"))
    )
  }
  // No span: every status refresh reads the freezer, and a span costs more than the read.
  get getFreezerState(): Manager["getFreezerState"] {
    return Effect.suspend(() => {
      const absent = this.systemd ? !this.has("freezer") : this.pathOf("freezer") === ""
      return absent ? Effect.succeed<FreezerState>("") : Freezer.getStateV1(this.env, this.pathOf("freezer"))
    })
  }
  freeze(state: Parameters<Manager["freeze"]>[0]): ReturnType<Manager["freeze"]> {
    return Effect.suspend(() => {
      if (this.systemd && !this.has("freezer")) return Effect.fail(subsystemDoesNotExist())
      if (!this.systemd && this.pathOf("freezer") === "") return Effect.fail(notConfigured())
      return Freezer.setStateV1(this.env, this.pathOf("freezer"), state)
    }).pipe(Effect.withSpan("CgroupManager.freeze"))
  }
  get kill(): Manager["kill"] {
    return Effect.suspend(() => killVia(this.env, this.pathOf("")))
  }
  get destroy(): Manager["destroy"] {
    return Effect.suspend(() => {
      const paths = this.ownPaths()
      return (this.systemd
        // runc removes the paths whether or not the stop worked, and reports the stop failure first.
        ? Effect.zipRight(Effect.either(removePaths(this.env, paths)), stopUnit(this.cg))
        : removePaths(this.env, paths)).pipe(Effect.withSpan("CgroupManager.destroy"))
    })
  }
  get getPaths(): Manager["getPaths"] {
    return Effect.sync(() => this.copy())
  }
  path(subsystem: string): Effect.Effect<string> {
    return Effect.sync(() => this.pathOf(subsystem))
  }
  get getStats(): Manager["getStats"] {
    return Effect.suspend(() =>
      Effect.flatMap(this.env.hugePageSizes, (hugePageSizes) =>
        StatsV1.getStats(StatReader.make(this.env), { paths: this.copy(), hugePageSizes }))
    )
  }
  get oomKillCount(): Manager["oomKillCount"] {
    return Effect.suspend(() =>
      oomKillCountOf(this.cg, StatsV1.oomKillCount(StatReader.make(this.env), this.pathOf("memory")))
    )
  }
  set(resources: Resources): ReturnType<Manager["set"]> {
    return this.systemd ? setUnitProperties(this.cg) : Effect.suspend(() => Set.setV1(this.env, this.copy(), resources))
  }
}

/** runc's fs (v1) manager over `paths`. */
export const fs = (env: CgroupEnv, cg: Cgroup, paths: Readonly<Record<string, string>>): Manager =>
  new V1Manager(env, cg, paths, false)

/** runc's legacy systemd (v1) manager over `paths`; destroy also needs D-Bus to stop the unit. */
export const systemdLegacy = (env: CgroupEnv, cg: Cgroup, paths: Readonly<Record<string, string>>): Manager =>
  new V1Manager(env, cg, paths, true)

/** The v2 managers: one directory, reported under the key `""`; like the v1 ones, one object built per container. */
class V2Manager implements Manager {
  constructor(
    private readonly env: CgroupEnv,
    private readonly cg: Cgroup,
    private readonly dir: string,
    private readonly systemd: boolean
  ) {}
  get exists(): Effect.Effect<boolean> {
    return Effect.suspend(() => exists(this.env, this.dir))
  }
  existsNow(): boolean {
    return existsNow(this.env, this.dir)
  }
  getFreezerStateNow(): "" | "THAWED" | undefined {
    return Freezer.getStateV2Now(this.env, this.dir)
  }
  get getAllPids(): Manager["getAllPids"] {
    return Effect.suspend(() => getAllPids(this.env, this.dir).pipe(Effect.withSpan("CgroupManager.getAllPids")))
  }
  get getFreezerState(): Manager["getFreezerState"] {
    return Effect.suspend(() => Freezer.getStateV2(this.env, this.dir))
  }
  freeze(state: Parameters<Manager["freeze"]>[0]): ReturnType<Manager["freeze"]> {
    return Effect.suspend(() =>
      this.cg.Resources === undefined ? Effect.fail(notConfigured()) : Freezer.setStateV2(this.env, this.dir, state)
    ).pipe(Effect.withSpan("CgroupManager.freeze"))
  }
  get kill(): Manager["kill"] {
    return Effect.suspend(() => killVia(this.env, this.dir))
  }
  get destroy(): Manager["destroy"] {
    return Effect.suspend(() =>
      (this.systemd
        ? Effect.zipRight(stopUnit(this.cg), removePath(this.env, this.dir))
        : removePath(this.env, this.dir)).pipe(Effect.withSpan("CgroupManager.destroy"))
    )
  }
  get getPaths(): Manager["getPaths"] {
    return Effect.sync(() => ({ "": this.dir }))
  }
  path(): Effect.Effect<string> {
    return Effect.succeed(this.dir)
  }
  get getStats(): Manager["getStats"] {
    return Effect.suspend(() =>
      Effect.flatMap(this.env.hugePageSizes, (hugePageSizes) =>
        StatsV2.getStats(StatReader.make(this.env), {
          dir: this.dir,
          hugePageSizes,
          meminfo: StatReader.meminfo(this.env),
          rootless: this.cg.Rootless
        }))
    )
  }
  get oomKillCount(): Manager["oomKillCount"] {
    return Effect.suspend(() => oomKillCountOf(this.cg, StatsV2.oomKillCount(StatReader.make(this.env), this.dir)))
  }
  set(resources: Resources): ReturnType<Manager["set"]> {
    return this.systemd ? setUnitProperties(this.cg) : Effect.suspend(() => Set.setV2(this.env, this.cg, this.dir, resources))
  }
}

/** runc's fs2 manager on `dir`. */
export const fs2 = (env: CgroupEnv, cg: Cgroup, dir: string): Manager => new V2Manager(env, cg, dir, false)

/** runc's unified systemd manager on `dir`; destroy needs D-Bus to stop the unit first. */
export const systemdUnified = (env: CgroupEnv, cg: Cgroup, dir: string): Manager => new V2Manager(env, cg, dir, true)
