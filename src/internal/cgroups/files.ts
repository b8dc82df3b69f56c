/**
 * Cgroup file access: runc's `OpenFile` path rule (`Join(dir,
 * CleanPath(file))`, so a file name cannot climb out of its cgroup),
 * `ReadFile`, `WriteFile` with its `failed to write` wrapping, and
 * `cgroup.procs` parsing; plus the bounded, checked reads of the procfs
 * files the cgroup code consults.
 *
 * runc (`libcontainer/cgroups/file.go`) opens files under `/sys/fs/cgroup/`
 * with `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` and anything else
 * with a plain open whose descriptor `fstatfs` must show on a cgroup
 * filesystem (`openAndCheck`), else `open <path>: not a cgroup file`. Here
 * every cgroup file, beneath the root or not, gets that descriptor check
 * before a byte is read or written (so a symlink to `/dev/zero` is never
 * read), and every read is bounded. Open failures beneath the root are
 * reported with op `openat2`, as runc reports them on kernels that have it
 * (5.6+). In runc's test mode (`checkFileType` off) nothing is checked.
 */
import * as Effect from "effect/Effect"
import { SystemError } from "../../ContainerError.js"
import { cgroupTypes, PROC_SUPER_MAGIC, type WrongFilesystem } from "../filesystemType.js"
import * as Strconv from "../strconv.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError } from "./errors.js"
import { cleanPath, join } from "./goPath.js"
import type { FilesystemService } from "../../Filesystem.js"
import type { Layout } from "./layout.js"
import { scanLines } from "./procCgroup.js"

/**
 * The most one cgroup file read takes: 32 MiB, room for a `cgroup.procs`
 * listing every pid the kernel can have (`pid_max` is at most 2^22, so a
 * line is at most 8 bytes). More is `read <path>: file too large`.
 */
export const maxFileBytes = 32 * 1024 * 1024

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

const asOpenat2 = (error: CgroupError | SystemError): CgroupError | SystemError =>
  error._tag === "SystemError" && error.op === "open"
    ? new SystemError({ op: "openat2", path: error.path, code: error.code })
    : error

/** runc's `errNotCgroupfs`: the opened file is not on a cgroup filesystem; nothing was read or written. */
export const notCgroupFile = (path: string): CgroupError =>
  new CgroupError({ message: `open ${path}: not a cgroup file`, reason: "WrongFilesystem" })

const refusedAs = (refusal: (path: string) => CgroupError) => (error: SystemError | WrongFilesystem): CgroupError | SystemError =>
  error._tag === "WrongFilesystem" ? refusal(error.path) : error

/** Opens `path` for reading, checks it is a cgroup file (outside test mode), reads it whole, at most `maxBytes`. */
const readPath = (env: CgroupEnv, path: string, maxBytes: number): Effect.Effect<Uint8Array, CgroupError | SystemError> => {
  const read = env.layout.checkFileType
    ? Effect.mapError(env.fs.readFileOn(path, cgroupTypes, { maxBytes }), refusedAs(notCgroupFile))
    : env.fs.readFile(path, { maxBytes })
  return isBeneathRoot(env, path) ? Effect.mapError(read, asOpenat2) : read
}

const notProcfsFile = (path: string): CgroupError =>
  new CgroupError({ message: `open ${path}: not a procfs file`, reason: "WrongFilesystem" })

/**
 * A procfs file the cgroup code reads (`/proc/self/mountinfo`,
 * `/proc/self/cgroup`), at most `maxBytes`: outside test mode it must be on
 * procfs — stricter than runc, which reads whatever is there — else
 * `open <path>: not a procfs file`.
 */
export const readProcfsFile = (
  fs: FilesystemService,
  layout: Layout,
  path: string,
  maxBytes: number
): Effect.Effect<Uint8Array, CgroupError | SystemError> =>
  layout.checkFileType
    ? Effect.mapError(fs.readFileOn(path, [PROC_SUPER_MAGIC], { maxBytes }), refusedAs(notProcfsFile))
    : fs.readFile(path, { maxBytes })

/** runc's `cgroups.ReadFile(dir, file)`: the whole content, as bytes. */
export const readBytes = (
  env: CgroupEnv,
  dir: string,
  file: string,
  maxBytes: number = maxFileBytes
): Effect.Effect<Uint8Array, CgroupError | SystemError> =>
  dir === "" ? Effect.fail(noDirectory(file)) : readPath(env, join(dir, cleanPath(file)), maxBytes)

/**
 * {@link readFile} of a file whose absence is routine (a freezer before its
 * cgroup is made): through the Filesystem port's direct call first, so an
 * absent file (ENOENT or ENODEV, as runc tolerates them) is `undefined`
 * without an error object; any other answer the direct call does not give
 * plainly is read the usual way, its absence `undefined` too.
 */
export const readFileOrAbsent = (
  env: CgroupEnv,
  dir: string,
  file: string
): Effect.Effect<string | undefined, CgroupError | SystemError> => {
  if (dir !== "" && env.layout.checkFileType) {
    // the same open and checks as readPath's (which only renames the op of a failure beneath the root)
    const direct = env.fs.direct.readFileOn(join(dir, cleanPath(file)), cgroupTypes, maxFileBytes)
    if (direct instanceof Uint8Array) return Effect.succeed(decoder.decode(direct))
    if (direct === "ENOENT" || direct === "ENODEV") return Effect.succeed(undefined)
  }
  return readFile(env, dir, file).pipe(
    Effect.catchIf(isAbsentOrNoDevice, () => Effect.succeed(undefined))
  )
}

/** runc's `cgroups.ReadFile(dir, file)`, decoded as text. */
export const readFile = (env: CgroupEnv, dir: string, file: string): Effect.Effect<string, CgroupError | SystemError> =>
  Effect.map(readBytes(env, dir, file), (bytes) => decoder.decode(bytes))

/** An open failure (returned as it is) as opposed to a write failure (which runc wraps). */
const isOpenFailure = (error: SystemError): boolean => error.op === "open" || error.op === "openat2"

/**
 * Opens `dir/file` write-only (no create, no truncate), checks it is a
 * cgroup file (outside test mode) and writes `data` once. Open failures and
 * refusals come back as they are; a failed write as the bare
 * system error, for callers that wrap it themselves (fs2's freezer).
 */
export const writeRaw = (env: CgroupEnv, dir: string, file: string, data: string): Effect.Effect<void, CgroupError | SystemError> =>
  Effect.flatMap(filePath(dir, file), (path) => {
    const bytes = encoder.encode(data)
    const write = env.layout.checkFileType
      ? Effect.mapError(env.fs.writeFileOn(path, bytes, cgroupTypes), refusedAs(notCgroupFile))
      : env.fs.writeFile(path, bytes, { flag: "existing" })
    return isBeneathRoot(env, path) ? Effect.mapError(write, asOpenat2) : write
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

/** The errno name behind a cgroup file failure (its own, or its cause's), if it has one. */
export const errnoOf = (error: CgroupError | SystemError): string | undefined =>
  error._tag === "SystemError" ? error.code : error.cause?.code

/** runc's not-exist test on a cgroup file error: ENOENT (Go's `os.IsNotExist`) or ENODEV. */
export const isAbsentOrNoDevice = (error: CgroupError | SystemError): boolean => {
  const system = error._tag === "SystemError" ? error : error.cause
  return system !== undefined && (system.code === "ENOENT" || system.code === "ENODEV")
}
