/**
 * The {@link FilesystemService} assembled from a layer's system calls. Each
 * layer (node, memory) supplies the calls with Linux semantics; the Go `os`
 * package behaviour runc builds on top of them — `MkdirAll`, `Remove`,
 * `RemoveAll`, `CreateTemp` + rename — is written here once, so both layers
 * share it exactly.
 */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { isSystemError, SystemError } from "../ContainerError.js"
import type { FilesystemService, WriteFlag } from "../Filesystem.js"
import { join } from "./path.js"

/** What a layer provides: one function per system call, failing with Go's op names. */
export interface Syscalls {
  readonly lstat: FilesystemService["lstat"]
  readonly stat: FilesystemService["stat"]
  readonly readLink: FilesystemService["readLink"]
  readonly readDirectory: FilesystemService["readDirectory"]
  readonly mkdir: (path: string, mode: number) => Effect.Effect<void, SystemError>
  readonly unlink: (path: string) => Effect.Effect<void, SystemError>
  readonly rmdir: (path: string) => Effect.Effect<void, SystemError>
  readonly rename: FilesystemService["rename"]
  readonly symlink: FilesystemService["symlink"]
  readonly mkfifo: (path: string, mode: number) => Effect.Effect<void, SystemError>
  readonly chmod: FilesystemService["chmod"]
  readonly readFile: FilesystemService["readFile"]
  /** open with the flag's `O_*` bits, write everything, `fsync` when `sync`, close. */
  readonly writeFile: (
    path: string,
    data: Uint8Array,
    flag: WriteFlag,
    mode: number,
    sync: boolean
  ) => Effect.Effect<void, SystemError>
  /** `fsync(2)` of a directory, so a rename in it is durable. */
  readonly syncDirectory: (path: string) => Effect.Effect<void, SystemError>
  readonly readFileInRoot: FilesystemService["readFileInRoot"]
}

/** `CreateTemp` gives up after this many name collisions, as Go's does. */
const maxTempAttempts = 10000

/** Go's `os.Remove`: unlink, then rmdir; when both fail, rmdir's error unless it is ENOTDIR. */
const remove = (sys: Syscalls) => (path: string): Effect.Effect<void, SystemError> =>
  Effect.catchAll(sys.unlink(path), (unlinkError) =>
    Effect.catchAll(sys.rmdir(path), (rmdirError) =>
      Effect.fail(
        new SystemError({
          op: "remove",
          path,
          code: rmdirError.code === "ENOTDIR" ? unlinkError.code : rmdirError.code
        })
      )))

/** Go's `os.MkdirAll`, including its final `Lstat` that accepts `foo/.` when `foo` exists. */
const makeDirectoryAll = (sys: Syscalls) => {
  const go = (path: string, mode: number): Effect.Effect<void, SystemError> =>
    Effect.matchEffect(sys.stat(path), {
      onSuccess: (info) =>
        info.type === "Directory" ? Effect.void : Effect.fail(new SystemError({ op: "mkdir", path, code: "ENOTDIR" })),
      onFailure: () => {
        let end = path.length
        while (end > 0 && path[end - 1] === "/") end--
        let start = end
        while (start > 0 && path[start - 1] !== "/") start--
        const parent = start > 1 ? go(path.slice(0, start - 1), mode) : Effect.void
        return Effect.zipRight(
          parent,
          Effect.catchAll(sys.mkdir(path, mode), (error) =>
            Effect.matchEffect(sys.lstat(path), {
              onSuccess: (info) => info.type === "Directory" ? Effect.void : Effect.fail(error),
              onFailure: () => Effect.fail(error)
            }))
        )
      }
    })
  return go
}

const endsWithDot = (path: string): boolean => path === "." || path.endsWith("/.")

/** Go's `os.IsNotExist`: ENOENT only (securejoin's wider check also accepts ENOTDIR). */
const isENOENT = (error: SystemError): boolean => error.code === "ENOENT"

/** Go's `splitPath` of `RemoveAll`: the parent (`.` when there is none) and the last element, slashes trimmed. */
const splitPath = (path: string): readonly [string, string] => {
  const trimmed = path.replace(/^\/+(?=\/)/, "").replace(/(?<=.)\/+$/, "")
  const slash = trimmed.lastIndexOf("/")
  if (slash === -1) return [".", trimmed]
  return [slash === 0 ? "/" : trimmed.slice(0, slash), trimmed.slice(slash + 1)]
}

/**
 * Go's `os.RemoveAll`: a missing path (or parent) is success, symlinks are
 * removed and never followed, a directory is emptied depth first —
 * continuing past failures — and then removed; the first failure is
 * reported (ops `unlinkat`, `RemoveAll`, or the failing call's).
 */
const removeAll = (sys: Syscalls) => {
  const removeFrom = (path: string): Effect.Effect<void, SystemError> =>
    Effect.catchAll(sys.unlink(path), (unlinkError) => {
      if (isENOENT(unlinkError)) return Effect.void
      const failed = new SystemError({ op: "unlinkat", path, code: unlinkError.code })
      if (!isSystemError(unlinkError, "EISDIR", "EPERM", "EACCES")) return Effect.fail(failed)
      return Effect.gen(function*() {
        const info = yield* Effect.either(sys.lstat(path))
        if (info._tag === "Left") return isENOENT(info.left) ? undefined : yield* Effect.fail(info.left)
        if (info.right.type !== "Directory") return yield* Effect.fail(failed)
        const entries = yield* Effect.either(sys.readDirectory(path))
        if (entries._tag === "Left") return isENOENT(entries.left) ? undefined : yield* Effect.fail(entries.left)
        let first: SystemError | undefined
        for (const entry of entries.right) {
          const result = yield* Effect.either(removeFrom(`${path}/${entry.name}`))
          if (result._tag === "Left") first ??= result.left
        }
        const removed = yield* Effect.either(sys.rmdir(path))
        if (removed._tag === "Right" || isENOENT(removed.left)) return
        return yield* Effect.fail(first ?? new SystemError({ op: "unlinkat", path, code: removed.left.code }))
      })
    })
  return (path: string): Effect.Effect<void, SystemError> => {
    if (path === "") return Effect.void
    if (endsWithDot(path)) return Effect.fail(new SystemError({ op: "RemoveAll", path, code: "EINVAL" }))
    return Effect.catchAll(remove(sys)(path), (error) => {
      if (isENOENT(error)) return Effect.void
      const [parent, base] = splitPath(path)
      return Effect.matchEffect(sys.stat(parent), {
        onFailure: (parentError) => isENOENT(parentError) ? Effect.void : Effect.fail(parentError),
        onSuccess: () => removeFrom(parent === "/" ? `/${base}` : `${parent}/${base}`)
      })
    })
  }
}

/**
 * Atomic replace: `CreateTemp(dir, prefix)` (exclusive create, random
 * decimal suffix, retried on collision), write and fsync, rename over the
 * target, fsync the directory. The temp file is removed when a step fails.
 */
const writeFileAtomic = (sys: Syscalls): FilesystemService["writeFileAtomic"] =>
(dir, name, data, options) =>
  Effect.gen(function*() {
    const mode = options?.mode ?? 0o600
    const prefix = options?.tempPrefix ?? `.${name}.`
    const target = join(dir, name)
    for (let attempt = 0; attempt < maxTempAttempts; attempt++) {
      const suffix = yield* Random.nextIntBetween(0, 2 ** 31)
      const temp = join(dir, `${prefix}${suffix}`)
      const written = yield* Effect.either(sys.writeFile(temp, data, "exclusive", mode, true))
      if (written._tag === "Left") {
        if (isSystemError(written.left, "EEXIST")) continue
        yield* Effect.ignore(sys.unlink(temp))
        return yield* Effect.fail(written.left)
      }
      yield* Effect.tapError(sys.rename(temp, target), () => Effect.ignore(sys.unlink(temp)))
      return yield* sys.syncDirectory(dir === "" ? "." : dir)
    }
    return yield* Effect.fail(new SystemError({ op: "createtemp", path: join(dir, `${prefix}*`), code: "EEXIST" }))
  })

/**
 * The service for a layer's system calls. Calls that are one system call
 * are passed through as they are (a span costs more than the syscall, and
 * SecureJoin makes one per path component); the multi-step operations get a
 * span each.
 */
export const make = (sys: Syscalls): FilesystemService => ({
  lstat: sys.lstat,
  stat: sys.stat,
  readLink: sys.readLink,
  readDirectory: sys.readDirectory,
  makeDirectory: sys.mkdir,
  makeDirectoryAll: Effect.fn("Filesystem.makeDirectoryAll")(makeDirectoryAll(sys)),
  readFile: sys.readFile,
  writeFile: (path, data, options) => sys.writeFile(path, data, options?.flag ?? "truncate", options?.mode ?? 0o666, false),
  writeFileAtomic: Effect.fn("Filesystem.writeFileAtomic")(writeFileAtomic(sys)),
  rename: sys.rename,
  remove: remove(sys),
  removeAll: Effect.fn("Filesystem.removeAll")(removeAll(sys)),
  symlink: sys.symlink,
  makeFifo: sys.mkfifo,
  chmod: sys.chmod,
  readFileInRoot: Effect.fn("Filesystem.readFileInRoot")(sys.readFileInRoot)
})
