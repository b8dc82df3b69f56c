/**
 * Cgroup file access (cgroups.md §9): runc's `OpenFile` path rule
 * (`Join(dir, CleanPath(file))`, so a file name cannot climb out of its
 * cgroup), `ReadFile`, `WriteFile` with its `failed to write` wrapping, and
 * `cgroup.procs` parsing.
 *
 * runc opens files under `/sys/fs/cgroup/` with `openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS)` and anything else with a plain open checked by
 * `fstatfs` to be on a cgroup filesystem. Here every open goes through the
 * host (the `Filesystem` service on the real layer) so the same code runs on
 * the memory layer; files under the root are opened plainly — their paths are
 * already confined lexically — and open failures there are reported with
 * op `openat2`, as runc reports them on kernels that have it (5.6+). Files
 * elsewhere get runc's fallback check: `statfs` must say cgroup or cgroup2,
 * else `open <path>: not a cgroup file`.
 */
import * as Effect from "effect/Effect"
import { SystemError } from "../../ContainerError.js"
import * as Strconv from "../strconv.js"
import { withoutStack } from "../withoutStack.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError } from "./errors.js"
import { cleanPath, join } from "./goPath.js"
import { CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC } from "./mode.js"
import { scanLines } from "./procCgroup.js"

/** The file listing a cgroup's processes. */
export const procsFile = "cgroup.procs"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const noDirectory = (file: string) => new CgroupError({ message: `no directory specified for ${file}` })

/** runc's `OpenFile` path: `Join(dir, CleanPath(file))`; an empty `dir` is an error. */
export const filePath = (dir: string, file: string): Effect.Effect<string, CgroupError> =>
  dir === "" ? Effect.fail(noDirectory(file)) : Effect.succeed(join(dir, cleanPath(file)))

/** runc's test for the `openat2` route: the path is strictly below the cgroupfs root. */
const isBeneathRoot = (env: CgroupEnv, path: string): boolean => path.startsWith(`${env.layout.root}/`)

const asOpenat2 = (error: SystemError): SystemError =>
  error.op === "open" ? withoutStack(() => new SystemError({ op: "openat2", path: error.path, code: error.code })) : error

/** The fallback route's filesystem check (skipped in test mode). */
const checkCgroupFile = (env: CgroupEnv, path: string): Effect.Effect<void, CgroupError | SystemError> => {
  if (!env.layout.checkFileType) return Effect.void
  return Effect.flatMap(
    Effect.mapError(env.host.statfs(path), (e) => new SystemError({ op: "statfs", path, code: e.code })),
    (type) =>
      type === CGROUP_SUPER_MAGIC || type === CGROUP2_SUPER_MAGIC
        ? Effect.void
        : Effect.fail(new CgroupError({ message: `open ${path}: not a cgroup file` }))
  )
}

/** Opens `path` for reading and reads it all, by the route runc would take. */
const readPath = (env: CgroupEnv, path: string): Effect.Effect<Uint8Array, CgroupError | SystemError> =>
  isBeneathRoot(env, path)
    ? Effect.mapError(env.host.readFile(path), asOpenat2)
    : Effect.tap(env.host.readFile(path), () => checkCgroupFile(env, path))

/** runc's `cgroups.ReadFile(dir, file)`: the whole content, as bytes. */
export const readBytes = (env: CgroupEnv, dir: string, file: string): Effect.Effect<Uint8Array, CgroupError | SystemError> =>
  dir === "" ? Effect.fail(noDirectory(file)) : readPath(env, join(dir, cleanPath(file)))

/** runc's `cgroups.ReadFile(dir, file)`, decoded as text. */
export const readFile = (env: CgroupEnv, dir: string, file: string): Effect.Effect<string, CgroupError | SystemError> =>
  Effect.map(readBytes(env, dir, file), (bytes) => decoder.decode(bytes))

/** An open failure (returned as it is) as opposed to a write failure (which runc wraps). */
const isOpenFailure = (error: SystemError): boolean => error.op === "open" || error.op === "openat2"

/**
 * Opens `dir/file` write-only (no create, no truncate) and writes `data`
 * once. Open failures come back as they are; a failed write as the bare
 * system error, for callers that wrap it themselves (fs2's freezer).
 */
export const writeRaw = (env: CgroupEnv, dir: string, file: string, data: string): Effect.Effect<void, CgroupError | SystemError> =>
  Effect.flatMap(filePath(dir, file), (path) => {
    const write = env.host.writeFile(path, encoder.encode(data))
    if (isBeneathRoot(env, path)) return Effect.mapError(write, asOpenat2)
    const open = Effect.mapError(env.host.stat(path), (e) => new SystemError({ op: "open", path, code: e.code }))
    return open.pipe(Effect.zipRight(checkCgroupFile(env, path)), Effect.zipRight(write))
  })

/** Whether `error` is an open failure from {@link writeRaw}, not a failed write. */
export const failedToOpen = (error: CgroupError | SystemError): boolean =>
  error._tag === "CgroupError" || isOpenFailure(error)

/** runc's `cgroups.WriteFile(dir, file, data)`: a failed write becomes `failed to write "<data>": <err>`. */
export const writeFile = (env: CgroupEnv, dir: string, file: string, data: string): Effect.Effect<void, CgroupError | SystemError> =>
  Effect.catchAll(writeRaw(env, dir, file, data), (error) =>
    error._tag === "CgroupError" || isOpenFailure(error)
      ? Effect.fail(error)
      : Effect.fail(new CgroupError({ message: `failed to write ${Strconv.quote(data)}: ${error.message}`, cause: error })))

/**
 * runc's `readProcsFile(dir)`: the pids of `dir/cgroup.procs` in file order,
 * empty lines skipped; a line that is not a decimal int fails with Go's
 * `strconv.Atoi` text.
 */
export const readProcs = (env: CgroupEnv, dir: string): Effect.Effect<ReadonlyArray<number>, CgroupError | SystemError> =>
  Effect.flatMap(readBytes(env, dir, procsFile), (content) => {
    const pids: Array<number> = []
    for (const line of scanLines(content)) {
      if (line === "") continue
      const parsed = Strconv.atoi(line)
      if (parsed._tag === "Err") {
        return Effect.fail(new CgroupError({ message: Strconv.numErrorText("Atoi", line, parsed.kind) }))
      }
      pids.push(Number(parsed.value))
    }
    return Effect.succeed(pids)
  })

/** runc's not-exist test on a cgroup file error: ENOENT (Go's `os.IsNotExist`) or ENODEV. */
export const isAbsentOrNoDevice = (error: CgroupError | SystemError): boolean => {
  const system = error._tag === "SystemError" ? error : error.cause
  return system !== undefined && (system.code === "ENOENT" || system.code === "ENODEV")
}
