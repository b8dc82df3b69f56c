/**
 * Shared pieces of the reliability suites: a config every host accepts, a
 * way to hold a directory's lock from the test, a check that an effect is
 * still waiting, and the open-fd count of this process.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { readdirSync } from "node:fs"
import * as Config from "../../../src/Config.js"
import type { SystemError } from "../../../src/ContainerError.js"
import { Filesystem } from "../../../src/Filesystem.js"

/** A config that validates on this host and on the memory host: rootfs `/`, private namespaces, a cgroup path of its own. */
export const testConfig = (id: string, prefix = "elc-rel"): Config.Config =>
  Config.make({
    rootfs: "/",
    namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }, { type: "NEWUTS", path: "" }],
    cgroups: Config.makeCgroup({ path: `/${prefix}-${id}`, Resources: Config.makeResources() }),
    labels: [`bundle=/bundles/${id}`]
  })

/** A lock held by the test until `release` runs. */
export interface HeldLock {
  readonly release: Effect.Effect<void>
}

/** Takes `mode` on `path` in a fiber of its own and keeps it until released. */
export const holdLock = (
  path: string,
  mode: "exclusive" | "shared" = "exclusive"
): Effect.Effect<HeldLock, SystemError, Filesystem> =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const acquired = yield* Deferred.make<void, SystemError>()
    const done = yield* Deferred.make<void>()
    const fiber = yield* Effect.forkDaemon(
      Effect.scoped(
        Effect.gen(function*() {
          yield* fs.lockDirectory(path, mode)
          yield* Deferred.succeed(acquired, undefined)
          yield* Deferred.await(done)
        })
      ).pipe(Effect.catchAll((e) => Deferred.fail(acquired, e)))
    )
    yield* Deferred.await(acquired)
    return { release: Effect.zipRight(Deferred.succeed(done, undefined), Fiber.await(fiber)).pipe(Effect.asVoid) }
  })

/** Whether a forked effect is still running after `millis` of real time. */
export const stillWaiting = <A, E>(fiber: Fiber.Fiber<A, E>, millis: number): Effect.Effect<boolean> =>
  Effect.zipRight(Effect.sleep(millis), Effect.map(Fiber.poll(fiber), Option.isNone))

/** Open file descriptors of this process (`/proc/self/fd`). */
export const openFds = (): number => readdirSync("/proc/self/fd").length

/**
 * Everything observable about the trees under `paths` — name, type, mode,
 * size, mtime, owner and (for regular files up to 1 MiB) content — one line
 * per entry, to compare before and after a command that must change nothing.
 */
export const snapshotTree = (
  paths: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<string>, never, Filesystem> =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const lines: Array<string> = []
    const visit = (path: string): Effect.Effect<void> =>
      Effect.gen(function*() {
        const info = yield* Effect.either(fs.lstat(path))
        if (info._tag === "Left") return void lines.push(`${path} ${info.left.code}`)
        const i = info.right
        let content = ""
        if (i.type === "File" && i.size <= 1024 * 1024) {
          const read = yield* Effect.either(fs.readFile(path))
          content = read._tag === "Right" ? Buffer.from(read.right).toString("base64") : read.left.code
        }
        if (i.type === "SymbolicLink") content = yield* Effect.orElseSucceed(fs.readLink(path), () => "?")
        lines.push(`${path} ${i.type} ${i.mode.toString(8)} ${i.uid}:${i.gid} ${i.size} ${i.mtimeMs} ${i.ino} ${content}`)
        if (i.type !== "Directory") return
        const entries = yield* Effect.orElseSucceed(fs.readDirectory(path), () => [])
        for (const entry of entries) yield* visit(`${path}/${entry.name}`)
      })
    for (const path of paths) yield* visit(path)
    return lines
  })
