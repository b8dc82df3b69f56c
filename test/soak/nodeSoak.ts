/**
 * The real-host soak (issue 9 §6) behind `test/soak/Soak.test.ts` and
 * `bench/soak.ts`: a few running containers made by runc, then several
 * worker processes × many fibers running the workload on one root at once.
 * Afterwards every long-lived container must still load and run, no temp
 * file may be left, no worker may have leaked an fd, and once the
 * containers are deleted neither the root nor the cgroup hierarchies may
 * hold anything of ours.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { bundled } from "../reliability/support/bundle.js"
import { createContainer, destroyContainer, makeBundle, runc } from "../support/runc.js"
import { mergeCounts, type WorkloadOptions, type WorkloadReport } from "./workload.js"

/** How the soak runs. */
export interface SoakOptions {
  readonly workers: number
  readonly fibers: number
  readonly durationMs: number
  /** Running containers (made by runc) the workers share. */
  readonly longLived: number
}

/** What the soak measured. */
export interface SoakFigures {
  readonly workers: number
  readonly fibers: number
  readonly durationMs: number
  readonly operations: Record<string, number>
  readonly totalOperations: number
  readonly failures: Record<string, number>
  /** Invariant violations: must be empty. */
  readonly problems: ReadonlyArray<string>
  readonly leakedFds: number
  readonly leftoverTemps: number
  readonly leftoverEntries: ReadonlyArray<string>
  readonly leftoverCgroups: ReadonlyArray<string>
}

type WorkerReport = WorkloadReport & { readonly fdsBefore: number; readonly fdsAfter: number }

const runWorker = (bundle: string, options: WorkloadOptions) =>
  Effect.async<WorkerReport, string>((resume) => {
    const child = spawn(process.execPath, [bundle, JSON.stringify(options)], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    child.once("exit", (code) => {
      if (code !== 0) return resume(Effect.fail(`worker ${options.worker} exited ${code}: ${stderr.slice(0, 500)}`))
      try {
        resume(Effect.succeed(JSON.parse(stdout) as WorkerReport))
      } catch {
        resume(Effect.fail(`worker ${options.worker} printed no report: ${stdout.slice(0, 200)} ${stderr.slice(0, 300)}`))
      }
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Our entries under every cgroup hierarchy (v1 controllers and the unified one). */
const cgroupsWithPrefix = (prefix: string): ReadonlyArray<string> => {
  const found: Array<string> = []
  const base = "/sys/fs/cgroup"
  const dirs = [base, ...readdirSync(base).map((d) => join(base, d))]
  for (const dir of dirs) {
    try {
      for (const name of readdirSync(dir)) if (name.startsWith(prefix)) found.push(join(dir, name))
    } catch {
      // not a directory (a controller symlink or a file)
    }
  }
  return found
}

const tempsIn = (dir: string): number =>
  existsSync(dir) ? readdirSync(dir).filter((n) => /^state-[0-9]+$/.test(n)).length : 0

/** Runs the soak in a fresh root and cleans everything up; the figures say what was found. */
export const runNodeSoak = (options: SoakOptions): Effect.Effect<SoakFigures, never, Scope.Scope> =>
  Effect.gen(function*() {
    const prefix = `elc-soak-${process.pid}`
    const root = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "elc-soak-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const longLived = Array.from({ length: options.longLived }, (_, i) => `long-${i}`)
    const bundles: Array<string> = []
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const id of longLived) destroyContainer(root, id)
        for (const b of bundles) rmSync(b, { recursive: true, force: true })
      })
    )
    for (const [i, id] of longLived.entries()) {
      const bundle = makeBundle({ cgroupsPath: `/${prefix}-long-${i}` })
      bundles.push(bundle)
      createContainer(root, id, bundle, "running")
    }
    const worker = yield* bundled("test/soak/worker.ts")
    const reports = yield* Effect.forEach(
      Array.from({ length: options.workers }, (_, i) => i),
      (i) =>
        Effect.either(runWorker(worker, {
          root,
          worker: `w${i}`,
          fibers: options.fibers,
          durationMs: options.durationMs,
          longLived,
          cgroupPrefix: `${prefix}-churn`
        })),
      { concurrency: "unbounded" }
    )
    const operations: Record<string, number> = {}
    const failures: Record<string, number> = {}
    const problems: Array<string> = []
    let leakedFds = 0
    for (const report of reports) {
      if (report._tag === "Left") {
        problems.push(report.left)
        continue
      }
      mergeCounts(operations, report.right.operations)
      mergeCounts(failures, report.right.failures)
      problems.push(...report.right.problems)
      leakedFds += report.right.fdsAfter - report.right.fdsBefore
    }
    // Every long-lived container is still there, running, and runc agrees.
    for (const id of longLived) {
      const status = yield* Effect.either(Effect.flatMap(Factory.load(root, id), Container.status))
      if (status._tag === "Left") problems.push(`after the soak, ${id} does not load: ${status.left.message}`)
      else if (status.right !== "running") problems.push(`after the soak, ${id} is ${status.right}`)
      const runcStatus = (JSON.parse(runc(root, ["state", id])) as { status: string }).status
      if (runcStatus !== "running") problems.push(`after the soak, runc says ${id} is ${runcStatus}`)
    }
    const leftoverTemps = longLived.reduce((n, id) => n + tempsIn(join(root, id)), 0)
    for (const id of longLived) destroyContainer(root, id)
    const leftoverEntries = readdirSync(root)
    return {
      workers: options.workers,
      fibers: options.fibers,
      durationMs: options.durationMs,
      operations,
      totalOperations: Object.values(operations).reduce((a, b) => a + b, 0),
      failures,
      problems,
      leakedFds,
      leftoverTemps,
      leftoverEntries,
      leftoverCgroups: cgroupsWithPrefix(prefix)
    }
  }).pipe(Effect.provide(Libcontainer.layerNode))
