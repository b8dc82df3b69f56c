/**
 * The {@link FilesystemService} assembled from a host's system calls
 * (`Filesystem.make`). Each host (node, memory) supplies the calls with
 * Linux semantics; the Go `os` package behaviour runc builds on top of them —
 * `MkdirAll`, `Remove`, `RemoveAll`, `CreateTemp` + rename — the confined
 * removal and the lock loop are written here once, so every host shares them
 * exactly.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import { isSystemError, SystemError } from "../ContainerError.js"
import type {
  DirectoryHandle,
  FifoReader,
  FifoReadOptions,
  FilesystemService,
  LockableDirectory,
  LockMode,
  Syscalls
} from "../Filesystem.js"
import { NotConfined, type NotConfinedReason, WrongFilesystem } from "./filesystemType.js"
import { join } from "./path.js"
import * as WallClock from "./wallClock.js"

/** The most any read reads unless told otherwise (`Filesystem.defaultMaxReadBytes`). */
export const defaultMaxReadBytes = 16 * 1024 * 1024

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


/** Whether `name` is a temp file `writeFileAtomic` makes with `prefix`: the prefix, then decimal digits. */
const isTempName = (name: string, prefix: string): boolean =>
  name.length > prefix.length && name.startsWith(prefix) && /^[0-9]+$/.test(name.slice(prefix.length))

/** Removes the regular files of `dir` named `<prefix><digits>` whose mtime is at least `age` old; best effort. */
const removeStaleTemps = (sys: Syscalls, dir: string, prefix: string, age: Duration.DurationInput) =>
  Effect.gen(function*() {
    const ageMs = Duration.toMillis(Duration.decode(age))
    const entries = yield* Effect.orElseSucceed(sys.readDirectory(dir === "" ? "." : dir), () => [])
    for (const entry of entries) {
      if ((entry.type !== "File" && entry.type !== "Unknown") || !isTempName(entry.name, prefix)) continue
      const path = join(dir, entry.name)
      const info = yield* Effect.option(sys.lstat(path))
      if (Option.isNone(info) || info.value.type !== "File") continue
      if (WallClock.wallClock.unsafeCurrentTimeMillis() - info.value.mtimeMs >= ageMs) yield* Effect.ignore(sys.unlink(path))
    }
  })

/**
 * Atomic replace: `CreateTemp(dir, prefix)` (exclusive create, random
 * decimal suffix, retried on collision), write and fsync, rename over the
 * target, fsync the directory. The temp file is removed when a step fails;
 * with `removeStaleTemps`, old temps of earlier, crashed writers go first.
 */
const writeFileAtomic = (sys: Syscalls): FilesystemService["writeFileAtomic"] =>
(dir, name, data, options) =>
  Effect.gen(function*() {
    const mode = options?.mode ?? 0o600
    const prefix = options?.tempPrefix ?? `.${name}.`
    const target = join(dir, name)
    if (options?.removeStaleTemps !== undefined) yield* removeStaleTemps(sys, dir, prefix, options.removeStaleTemps)
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

/** Whether `name` is one path component a descriptor-relative call may take. */
export const isComponent = (name: string): boolean => name !== "" && name !== "." && name !== ".." && !name.includes("/")

const refuse = (path: string, root: string, reason: NotConfinedReason) => new NotConfined({ path, root, reason })

/** Where a confined removal may go: below `root`, on one of `types` when given. */
interface Confinement {
  readonly root: string
  readonly types: ReadonlyArray<number> | undefined
}

type RemovalError = SystemError | NotConfined | WrongFilesystem

/** A directory of the removal is on one of the allowed filesystems, or the refusal. */
const onAllowedFilesystem = (dir: DirectoryHandle, confinement: Confinement): Effect.Effect<DirectoryHandle, WrongFilesystem> =>
  confinement.types === undefined || confinement.types.includes(dir.filesystemType)
    ? Effect.succeed(dir)
    : Effect.fail(new WrongFilesystem({ op: "remove", path: dir.path, type: dir.filesystemType, expected: confinement.types }))

/**
 * Opens `name` below `dir` without following it, for a confined removal:
 * missing is `undefined`, a symlink or non-directory (ENOTDIR) is refused,
 * a directory on another device (a mount point) or filesystem is refused.
 */
const openConfined = (
  dir: DirectoryHandle,
  name: string,
  confinement: Confinement
): Effect.Effect<DirectoryHandle | undefined, RemovalError, Scope.Scope> =>
  Effect.flatMap(
    Effect.catchIf(dir.openDirectory(name), (e) => e.code === "ENOENT", () => Effect.succeed(undefined)),
    (opened): Effect.Effect<DirectoryHandle | undefined, RemovalError> => {
      if (opened === undefined) return Effect.succeed(undefined)
      if (opened.info.dev !== dir.info.dev) return Effect.fail(refuse(opened.path, confinement.root, "mount point"))
      return onAllowedFilesystem(opened, confinement)
    }
  ).pipe(
    Effect.catchIf(
      (e): e is SystemError => e._tag === "SystemError" && e.code === "ENOTDIR",
      () => Effect.fail(refuse(`${dir.path}/${name}`, confinement.root, "not a directory"))
    )
  )

/**
 * Removes the directory `name` below `dir`, Go's `os.RemoveAll` way: an
 * `rmdir` first (all a resctrl group needs); only when that says the
 * directory is not empty is it emptied (it was opened without following)
 * and removed. `rmdir`'s EBUSY is a mount point — a bind mount of the same
 * filesystem, which the device check cannot see — and is refused, never
 * descended into. Refused like {@link openConfined} too.
 */
const removeSubdirectory = (
  dir: DirectoryHandle,
  name: string,
  confinement: Confinement
): Effect.Effect<void, RemovalError> =>
  Effect.scoped(Effect.gen(function*() {
    const sub = yield* openConfined(dir, name, confinement)
    if (sub === undefined) return
    const removed = yield* Effect.either(dir.removeDirectory(name))
    if (removed._tag === "Right" || removed.left.code === "ENOENT") return
    if (removed.left.code === "EBUSY") return yield* refuse(sub.path, confinement.root, "mount point")
    if (removed.left.code !== "ENOTEMPTY" && removed.left.code !== "EEXIST") return yield* Effect.fail(removed.left)
    yield* emptyDirectory(sub, confinement)
    yield* Effect.catchIf(dir.removeDirectory(name), (e) => e.code === "ENOENT", () => Effect.void)
  }))

/**
 * Empties a directory through its descriptor, depth first: subdirectories
 * are opened without following and emptied, everything else (symlinks
 * included) is unlinked. Carries on past failures, as `os.RemoveAll` does,
 * and reports the first; entries that vanish meanwhile are fine.
 */
const emptyDirectory = (dir: DirectoryHandle, confinement: Confinement): Effect.Effect<void, RemovalError> =>
  Effect.gen(function*() {
    let first: RemovalError | undefined
    for (const entry of yield* dir.entries) {
      const removed = yield* Effect.either(
        entry.type === "Directory"
          ? removeSubdirectory(dir, entry.name, confinement)
          // d_type may be stale: an entry that is a directory by now is removed the same careful way.
          : Effect.catchIf(dir.removeFile(entry.name), (e) => e.code === "EISDIR", () =>
            removeSubdirectory(dir, entry.name, confinement))
      )
      if (removed._tag === "Left" && !(removed.left._tag === "SystemError" && removed.left.code === "ENOENT")) {
        first ??= removed.left
      }
    }
    if (first !== undefined) return yield* Effect.fail(first)
  })

/**
 * `removeAllInRoot` over a way to open directories: open the root, check it
 * is still the recorded one (and on an allowed filesystem), walk to the
 * target from descriptor to descriptor without following anything, and
 * remove it from its parent's descriptor — emptying it first when a plain
 * `rmdir` is not enough.
 */
export const removeAllInRoot = (
  openDirectory: (path: string) => Effect.Effect<DirectoryHandle, SystemError, Scope.Scope>
): FilesystemService["removeAllInRoot"] =>
(root, path, options) =>
  Effect.scoped(Effect.gen(function*() {
    const confinement: Confinement = { root, types: options?.filesystemTypes }
    const parts = path.split("/")
    if (!parts.every(isComponent)) return yield* refuse(`${root}/${path}`, root, "not below the root")
    const top = yield* Effect.catchIf(openDirectory(root), (e) => e.code === "ENOENT", () => Effect.succeed(undefined))
    if (top === undefined) return
    const expected = options?.rootIdentity
    if (expected !== undefined && (top.info.dev !== expected.dev || top.info.ino !== expected.ino)) {
      return yield* refuse(join(root, path), root, "root replaced")
    }
    let parent = yield* onAllowedFilesystem(top, confinement)
    for (const part of parts.slice(0, -1)) {
      const next = yield* openConfined(parent, part, confinement)
      if (next === undefined) return
      parent = next
    }
    yield* removeSubdirectory(parent, parts[parts.length - 1]!, confinement)
  }))

/** How long `lockDirectory` waits for a held lock unless told otherwise. */
export const defaultLockTimeout: Duration.Duration = Duration.seconds(30)

/** Waits between lock attempts start near this many milliseconds and double up to {@link maxLockBackoffMs}. */
const firstLockBackoffMs = 1
const maxLockBackoffMs = 16
/** How often a directory replaced while we waited for its lock is reopened before giving up. */
const maxLockReopens = 100

const lockTimedOut = (path: string): SystemError => new SystemError({ op: "flock", path, code: "EAGAIN" })

/** Tries the lock until it is held or `deadline` (wall-clock ms) passes; sleeps with jittered backoff in between. */
const waitForLock = (dir: LockableDirectory, path: string, mode: LockMode, deadline: number) =>
  Effect.gen(function*() {
    let backoff = firstLockBackoffMs
    for (;;) {
      if (yield* dir.tryLock(mode)) return
      const left = deadline - WallClock.wallClock.unsafeCurrentTimeMillis()
      if (left <= 0) return yield* Effect.fail(lockTimedOut(path))
      if (dir.released !== undefined) {
        yield* Effect.raceFirst(dir.released, WallClock.sleep(Duration.millis(left)))
        continue
      }
      const jitter = 0.5 + (yield* Random.next)
      yield* WallClock.sleep(Duration.millis(Math.min(left, backoff * jitter)))
      backoff = Math.min(backoff * 2, maxLockBackoffMs)
    }
  })

/**
 * `flock` on a directory for the scope: open, wait for the lock
 * (interruptibly), then check `path` still names the locked inode — a
 * directory removed meanwhile fails with the `stat` error, one replaced is
 * reopened. The description is closed on every path out.
 */
const waitForDirectoryLock = (sys: Syscalls): FilesystemService["lockDirectory"] => (path, mode, options) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const timeout = Duration.toMillis(Duration.decode(options?.timeout ?? defaultLockTimeout))
      const deadline = WallClock.wallClock.unsafeCurrentTimeMillis() + timeout
      for (let reopened = 0;; reopened++) {
        const dir = yield* sys.openLockable(path)
        const locked = yield* Effect.exit(restore(Effect.zipRight(waitForLock(dir, path, mode, deadline), sys.stat(path))))
        if (Exit.isSuccess(locked) && locked.value.ino === dir.ino && locked.value.dev === dir.dev) {
          return yield* Effect.addFinalizer(() => dir.close)
        }
        yield* dir.close
        if (Exit.isFailure(locked)) return yield* Effect.failCause(locked.cause)
        if (reopened >= maxLockReopens) return yield* Effect.fail(lockTimedOut(path))
      }
    })
  )

/**
 * `FilesystemService.lockDirectory`: the routine case — nobody holds the
 * lock — is one direct try (`DirectCalls.tryLockDirectory`) and a
 * finalizer, with no span; a busy lock, a replaced directory or any error
 * goes to the waiting loop ({@link waitForDirectoryLock}), which tries
 * again from the start and reports what it meets.
 */
const lockDirectory = (sys: Syscalls): FilesystemService["lockDirectory"] => {
  const wait = Effect.fn("Filesystem.lockDirectory")(waitForDirectoryLock(sys))
  return (path, mode, options) =>
    Effect.uninterruptible(Effect.suspend(() => {
      const lock = sys.direct.tryLockDirectory(path, mode)
      return typeof lock === "string"
        ? Effect.interruptible(wait(path, mode, options))
        : Effect.addFinalizer(() => Effect.sync(lock.release))
    }))
}

// ---------------------------------------------------------------------------
// FIFO reading (exec.fifo)

/** How often a FIFO is read again while waiting, on a host that cannot say when it changed. */
const fifoPollInterval = Duration.millis(10)

const concatChunks = (chunks: ReadonlyArray<Uint8Array>, total: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}

/**
 * `FilesystemService.openFifoReader`: a non-blocking descriptor read in a
 * loop. Reading tells the writer apart: EAGAIN while a writer holds the FIFO
 * open, end of file while none does, bytes once one wrote. Waiting for a
 * writer ends at the first EAGAIN or byte, or when `path` is no longer this
 * FIFO (another reader consumed and removed it).
 */
const openFifoReader = (sys: Syscalls) => (path: string, options?: FifoReadOptions): Effect.Effect<FifoReader, SystemError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const fifo = yield* sys.openFifo(path)
      const max = options?.maxBytes ?? defaultMaxReadBytes
      const chunks: Array<Uint8Array> = []
      let total = 0
      const pause = fifo.changed ?? WallClock.sleep(fifoPollInterval)
      /** One read: `data`, `writer` (EAGAIN) or `eof`. */
      const readOnce = Effect.flatMap(fifo.read(max + 1 - total), (result) => {
        if (result === "again") return Effect.succeed("writer" as const)
        if (result.length === 0) return Effect.succeed("eof" as const)
        chunks.push(result)
        total += result.length
        return total > max
          ? Effect.fail(new SystemError({ op: "read", path, code: "EFBIG" }))
          : Effect.succeed("data" as const)
      })
      const stillThisFifo = sys.stat(path).pipe(
        Effect.map((info) => info.ino === fifo.ino && info.dev === fifo.dev),
        Effect.orElseSucceed(() => false)
      )
      const waitForWriter = Effect.gen(function*() {
        for (;;) {
          if ((yield* readOnce) !== "eof") return
          if (!(yield* stillThisFifo)) return
          yield* pause
        }
      })
      if (options?.waitForWriter === true) {
        const waited = yield* Effect.exit(restore(waitForWriter))
        if (Exit.isFailure(waited)) {
          yield* fifo.close
          return yield* Effect.failCause(waited.cause)
        }
      }
      const readAll = Effect.gen(function*() {
        for (;;) {
          const step = yield* readOnce
          if (step === "eof") return concatChunks(chunks, total)
          if (step === "writer") yield* pause
        }
      })
      return { readAll, close: fifo.close }
    })
  )

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
  readDirectoryUnsorted: (path, options) => sys.readDirectoryUnsorted(path, options?.limit),
  makeDirectory: sys.mkdir,
  // No span: Create calls it once per container, and the common case (the root exists) is one stat.
  makeDirectoryAll: (path, mode) => Effect.suspend(() => makeDirectoryAll(sys)(path, mode)),
  statfs: sys.statfs,
  readFile: (path, options) => sys.readFile(path, { maxBytes: options?.maxBytes ?? defaultMaxReadBytes }),
  readFileOn: (path, types, options) => sys.readFileOn(path, types, { maxBytes: options?.maxBytes ?? defaultMaxReadBytes }),
  writeFileOn: sys.writeFileOn,
  writeFile: (path, data, options) => sys.writeFile(path, data, options?.flag ?? "truncate", options?.mode ?? 0o666, false),
  writeFileAtomic: Effect.fn("Filesystem.writeFileAtomic")(writeFileAtomic(sys)),
  rename: sys.rename,
  remove: remove(sys),
  removeAll: Effect.fn("Filesystem.removeAll")(removeAll(sys)),
  removeAllInRoot: Effect.fn("Filesystem.removeAllInRoot")(removeAllInRoot(sys.openDirectory)),
  openDirectory: sys.openDirectory,
  symlink: sys.symlink,
  makeFifo: sys.mkfifo,
  chmod: sys.chmod,
  // No span: Load reads one state.json per container, and list reads thousands.
  readFileInRoot: (root, unsafePath, options) =>
    Effect.suspend(() =>
      sys.readFileInRoot(root, unsafePath, {
        ...options,
        maxBytes: options?.maxBytes ?? defaultMaxReadBytes
      })
    ),
  lockDirectory: lockDirectory(sys),
  direct: sys.direct,
  openFifoReader: openFifoReader(sys)
})
