/**
 * The crash campaign behind `test/reliability/Crash.test.ts` and
 * `bench/crash.ts`: child processes save a container's state in a loop and
 * are SIGKILLed at random moments; after every kill `Factory.load` must give
 * one of the two states the child alternates between, never a corrupt one.
 * Leftover `state-<digits>` temp files are counted (each new one is a kill
 * that landed between the temp file's creation and the rename) and must all
 * go with the next saveState once they are stale.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import * as SynchronizedRef from "effect/SynchronizedRef"
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Config from "../../../src/Config.js"
import * as Container from "../../../src/Container.js"
import * as Factory from "../../../src/Factory.js"
import * as Libcontainer from "../../../src/Libcontainer.js"
import * as State from "../../../src/State.js"
import { bundled } from "./bundle.js"
import { crashStates, whichState } from "./crashStates.js"

/** How a campaign runs. */
export interface CrashOptions {
  /** Kills in total. */
  readonly kills: number
  /** Victims running at once, each on a container of its own. */
  readonly parallel: number
  /**
   * A kill lands after 0 to this many further completed saves, at a
   * uniformly random point of the next one (judged by how long saves have
   * been taking): kills spread over every step of a save, whatever the
   * machine's speed.
   */
  readonly maxSaves: number
  /** Stop early (with fewer kills) once this much time has passed; the figures say how many ran. */
  readonly budgetMs?: number
}

/** What a campaign measured. */
export interface CrashFigures {
  readonly kills: number
  /** Loads after a kill that gave the small, the large state. */
  readonly loadedSmall: number
  readonly loadedLarge: number
  /** Kills after which a new temp file was left: the kill landed mid-write. */
  readonly killsMidWrite: number
  /** Saves the victims completed between `ready` and their kill. */
  readonly savesBeforeKills: number
  /** Temp files in the state dirs before, and after, the cleaning saveState. */
  readonly tempsLeft: number
  readonly tempsAfterCleanup: number
  /** Anything that went wrong: a failed load, a mixed state, a victim that died on its own. */
  readonly failures: ReadonlyArray<string>
  readonly elapsedMs: number
}

/** A victim exited before it was killed. */
class VictimDied extends Data.TaggedError("VictimDied")<{ readonly code: number | null; readonly stderr: string }> {
  override get message(): string {
    return `victim exited with ${this.code} before the kill: ${this.stderr.slice(0, 500)}`
  }
}

const config = (id: string) =>
  Config.make({
    rootfs: "/",
    namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }],
    cgroups: Config.makeCgroup({ path: `/elc-crash-${id}`, Resources: Config.makeResources() })
  })

const tempPattern = /^state-[0-9]+$/
const tempsIn = (dir: string): number => readdirSync(dir).filter((n) => tempPattern.test(n)).length

/** Where one kill lands: after this many more saves, this fraction of a save later. */
interface KillPlan {
  readonly afterSaves: number
  readonly fraction: number
  /** How long a save takes, as far as we know (ms). */
  readonly saveMs: number
}

/** What a victim did before its kill: saves after `ready`, and how long each took. */
interface VictimRun {
  readonly saves: number
  readonly saveMs: ReadonlyArray<number>
}

/**
 * Starts the victim, waits for `ready` and `plan.afterSaves` more saves,
 * kills it `plan.fraction` of a save later, and waits for it to go.
 */
const killVictim = (bundle: string, root: string, id: string, plan: KillPlan) =>
  Effect.async<VictimRun, VictimDied>((resume) => {
    const child = spawn(process.execPath, [bundle, root, id], { stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    let stdout = ""
    let timer: NodeJS.Timeout | undefined
    const marks: Array<number> = []
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      const saves = stdout.replace(/^ready\n/, "").length
      while (marks.length <= saves) marks.push(performance.now())
      if (timer === undefined && stdout.startsWith("ready\n") && saves >= plan.afterSaves) {
        timer = setTimeout(() => child.kill("SIGKILL"), plan.fraction * plan.saveMs)
      }
    })
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      const saves = stdout.replace(/^ready\n/, "").length
      const saveMs = marks.slice(1).map((t, i) => t - marks[i]!)
      resume(signal === "SIGKILL" ? Effect.succeed({ saves, saveMs }) : Effect.fail(new VictimDied({ code, stderr })))
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      child.kill("SIGKILL")
    })
  })

/** One container's share of the campaign: kill, check, repeat. */
const victimLoop = (bundle: string, root: string, id: string, kills: number, options: CrashOptions, deadline: number) =>
  Effect.gen(function*() {
    const states = crashStates(config(id))
    const tally = { kills: 0, small: 0, large: 0, midWrite: 0, saves: 0, failures: [] as Array<string> }
    const stateDir = join(root, id)
    const recent: Array<number> = [50]
    for (let i = 0; i < kills && Date.now() < deadline; i++) {
      const before = tempsIn(stateDir)
      const plan: KillPlan = {
        afterSaves: yield* Random.nextIntBetween(0, options.maxSaves + 1),
        fraction: yield* Random.next,
        saveMs: [...recent].sort((a, b) => a - b)[recent.length >> 1]!
      }
      const killed = yield* Effect.either(killVictim(bundle, root, id, plan))
      if (killed._tag === "Left") tally.failures.push(`${id}: ${killed.left.message}`)
      else {
        tally.saves += killed.right.saves
        recent.push(...killed.right.saveMs)
        recent.splice(0, Math.max(0, recent.length - 25))
      }
      tally.kills++
      if (tempsIn(stateDir) > before) tally.midWrite++
      const raw = State.decodeJson(readFileSync(join(stateDir, State.stateFilename)))
      if (raw._tag === "Left") tally.failures.push(`${id} kill ${i}: state.json does not decode: ${raw.left.message}`)
      const loaded = yield* Effect.either(Factory.load(root, id))
      if (loaded._tag === "Left") {
        tally.failures.push(`${id} kill ${i}: load failed: ${loaded.left.message}`)
        continue
      }
      const which = whichState(yield* Container.snapshot(loaded.right), states)
      if (which === "small") tally.small++
      else if (which === "large") tally.large++
      else tally.failures.push(`${id} kill ${i}: ${which}`)
    }
    return tally
  })

/**
 * Runs a campaign in a fresh temp root (removed afterwards, with its
 * containers destroyed) and returns the figures.
 */
export const runCrashCampaign = (
  options: CrashOptions
): Effect.Effect<CrashFigures, never, Scope.Scope> =>
  Effect.gen(function*() {
    const started = Date.now()
    const deadline = started + (options.budgetMs ?? Number.POSITIVE_INFINITY)
    const bundle = yield* bundled("test/reliability/support/saveLoop.ts")
    const root = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "elc-crash-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const ids = Array.from({ length: options.parallel }, (_, i) => `victim-${i}`)
    for (const id of ids) {
      const c = yield* Factory.create(root, id, config(id))
      const [small] = crashStates(config(id))
      yield* SynchronizedRef.update(c.model, (model) => ({ ...model, created: small.created, config: small.config }))
      yield* Container.saveState(c)
    }
    const share = Math.ceil(options.kills / options.parallel)
    const tallies = yield* Effect.forEach(
      ids,
      (id, i) => victimLoop(bundle, root, id, Math.min(share, options.kills - i * share), options, deadline),
      { concurrency: "unbounded" }
    )
    const tempsLeft = ids.reduce((n, id) => n + tempsIn(join(root, id)), 0)
    const failures = tallies.flatMap((t) => t.failures)
    for (const id of ids) {
      const c = yield* Factory.load(root, id)
      yield* Container.saveState(c, { removeTempsOlderThan: 0 })
    }
    const tempsAfterCleanup = ids.reduce((n, id) => n + tempsIn(join(root, id)), 0)
    for (const id of ids) yield* Container.destroy(yield* Factory.load(root, id))
    return {
      kills: tallies.reduce((n, t) => n + t.kills, 0),
      loadedSmall: tallies.reduce((n, t) => n + t.small, 0),
      loadedLarge: tallies.reduce((n, t) => n + t.large, 0),
      killsMidWrite: tallies.reduce((n, t) => n + t.midWrite, 0),
      savesBeforeKills: tallies.reduce((n, t) => n + t.saves, 0),
      tempsLeft,
      tempsAfterCleanup,
      failures,
      elapsedMs: Date.now() - started
    }
  }).pipe(
    Effect.catchAll((error) =>
      Effect.succeed<CrashFigures>({
        kills: 0,
        loadedSmall: 0,
        loadedLarge: 0,
        killsMidWrite: 0,
        savesBeforeKills: 0,
        tempsLeft: 0,
        tempsAfterCleanup: 0,
        failures: [`campaign setup or cleanup failed: ${error.message}`],
        elapsedMs: 0
      })
    ),
    Effect.provide(Libcontainer.layerNode)
  )
