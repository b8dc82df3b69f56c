/**
 * The real host's filesystem adapter: the system calls of the Filesystem
 * port ({@link syscalls}) on node:fs (sync
 * calls — each is one cheap syscall, and sync keeps a call's steps together
 * and its fds closed on every path) plus koffi for what Node lacks
 * (`openat2`, `mknodat`). Every failure, including an unexpected exception,
 * becomes a {@link SystemError} with Go's op name, the path and the errno
 * name.
 */
import * as fs from "node:fs"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { SystemError } from "../ContainerError.js"
import {
  type DirectoryEntry,
  type DirectoryHandle,
  type FifoDescriptor,
  type FileInfo,
  type FilesystemService,
  type FileType,
  type LockableDirectory,
  make as makeService,
  type ReadInRootDefaults,
  type Syscalls,
  type WriteFlag
} from "../Filesystem.js"
import { sortByName } from "../internal/byteOrder.js"
import * as Errno from "../internal/errno.js"
import { isComponent } from "../internal/filesystem.js"
import { WrongFilesystem } from "../internal/filesystemType.js"
import { clean, inRootDisplayPath } from "../internal/path.js"
import { codeOf, infoOf, typeOf, calls as direct } from "./direct.js"
import * as Flock from "./flock.js"
import * as Libc from "./libc.js"
import * as Openat2 from "./openat2.js"

/** Options of the node layer. */
export interface NodeFilesystemOptions {
  /**
   * How `readFileInRoot` resolves: `auto` (openat2 when the kernel has it),
   * or forced to `openat2` or to the `userspace` resolver.
   */
  readonly resolver?: Openat2.Resolver
}

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW } = fs.constants
/** `AT_REMOVEDIR` from `<fcntl.h>`, the same on every Linux architecture. */
const AT_REMOVEDIR = 0x200
const S_IFIFO = 0o010000


const failure = (op: string, path: string, code: string, path2?: string): SystemError =>
  new SystemError(path2 === undefined ? { op, path, code } : { op, path, path2, code })

/** One step of a call: runs `body`, throwing its failure as the SystemError for `op` and `path`. */
const step = <A>(op: string, path: string, body: () => A, path2?: string): A => {
  try {
    return body()
  } catch (e) {
    throw failure(op, path, codeOf(e), path2)
  }
}

/**
 * A call made of {@link step}s: the first failing step's SystemError is the
 * failure; anything else thrown becomes EIO under `op` and `path`.
 */
const call = <A>(op: string, path: string, body: () => A, path2?: string): Effect.Effect<A, SystemError> =>
  Effect.try({
    try: body,
    catch: (e) => (e instanceof SystemError ? e : failure(op, path, codeOf(e), path2))
  })

/** A single-step call. */
const attempt = <A>(op: string, path: string, body: () => A, path2?: string): Effect.Effect<A, SystemError> =>
  call(op, path, () => step(op, path, body, path2), path2)

/** Runs `use` with an fd that is closed afterwards, whatever happens. */
const withFd = <A>(fd: number, use: (fd: number) => A): A => {
  try {
    return use(fd)
  } finally {
    fs.closeSync(fd)
  }
}

const errnoException = (code: string): Error => Object.assign(new Error(code), { code })

/** The buffer reads land in first (calls are synchronous, so one is enough); what was read is copied out. */
const scratch = Buffer.allocUnsafe(65536)

/**
 * Reads an open fd to EOF; more than `maxBytes` is EFBIG. When a read
 * returns exactly `st_size` bytes of the more asked for, that is the whole
 * file — as if read a moment earlier, had it grown since — and no second read
 * is spent confirming EOF (procfs and cgroupfs report size 0, so they always
 * read to EOF).
 */
const readAll = (fd: number, size: number, limit: number): Uint8Array => {
  const chunks: Array<Uint8Array> = []
  let total = 0
  for (;;) {
    const n = fs.readSync(fd, scratch, 0, Math.min(scratch.length, limit + 1 - total), null)
    if (n === 0) break
    chunks.push(new Uint8Array(scratch.subarray(0, n)))
    total += n
    if (total > limit) throw errnoException("EFBIG")
    if (size > 0 && total === size && chunks.length === 1) break
  }
  return chunks.length === 1 ? chunks[0]! : new Uint8Array(Buffer.concat(chunks, total))
}

const writeFlags: Record<WriteFlag, number> = {
  truncate: O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK,
  exclusive: O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK,
  existing: O_WRONLY | O_NONBLOCK
}

const mkfifo = (path: string, mode: number): Effect.Effect<void, SystemError> =>
  attempt("mkfifo", path, () => {
    const constants = Libc.constants
    if (constants === undefined) throw errnoException("ENOSYS")
    if (path.includes("\0")) throw errnoException("EINVAL")
    const result = Libc.syscall(constants.SYS_mknodat, Openat2.AT_FDCWD, path, S_IFIFO | (mode & 0o7777), 0)
    if (result.value < 0) throw errnoException(Errno.nameOf(result.errno))
  })

/**
 * Opens without creating; a failure is returned, not thrown. Through libc
 * where koffi covers this architecture, so a missing file (a gone process's
 * cgroup, say) costs no node exception; node's `openSync` elsewhere.
 */
const openExisting = (path: string, flags: number): number | SystemError => {
  if (Libc.constants === undefined) {
    try {
      return fs.openSync(path, flags)
    } catch (e) {
      return failure("open", path, codeOf(e))
    }
  }
  const opened = Libc.openNoCreate(path, flags)
  return opened.value >= 0 ? opened.value : failure("open", path, Errno.nameOf(opened.errno))
}

/**
 * `fstatfs(2)` of an open descriptor: its filesystem type. Through koffi;
 * where raw calls are unsupported, `statfs` of `/proc/self/fd/<fd>`, which
 * names the same open file. A failure is reported as runc does, op `statfs`
 * on the path the descriptor was opened by.
 */
export const filesystemTypeOf = (fd: number, path: string): number => {
  if (Libc.constants === undefined) return step("statfs", path, () => fs.statfsSync(`/proc/self/fd/${fd}`).type)
  const result = Libc.fstatfs(fd)
  if (result.value < 0) throw failure("statfs", path, Errno.nameOf(result.errno))
  return result.value
}

const readFile = (path: string, options: { readonly maxBytes: number }): Effect.Effect<Uint8Array, SystemError> =>
  Effect.suspend(() => {
    const opened = openExisting(path, O_RDONLY | O_NONBLOCK)
    if (typeof opened !== "number") return Effect.fail(opened)
    return call("read", path, () =>
      withFd(opened, (fd) => step("read", path, () => readAll(fd, fs.fstatSync(fd).size, options.maxBytes))))
  })

/** Opens `path` with `flags`, checks the descriptor's filesystem, then runs `use` on it; the fd is closed either way. */
const onFilesystem = <A>(
  path: string,
  flags: number,
  types: ReadonlyArray<number>,
  use: (fd: number) => A
): Effect.Effect<A, SystemError | WrongFilesystem> =>
  Effect.suspend(() => {
    const opened = openExisting(path, flags)
    if (typeof opened !== "number") return Effect.fail(opened)
    return Effect.flatten(call("open", path, () =>
      withFd(opened, (fd): Effect.Effect<A, WrongFilesystem> => {
        const type = filesystemTypeOf(fd, path)
        if (!types.includes(type)) return Effect.fail(new WrongFilesystem({ op: "open", path, type, expected: types }))
        return Effect.succeed(use(fd))
      })))
  })

const readFileOn = (
  path: string,
  types: ReadonlyArray<number>,
  options: { readonly maxBytes: number }
): Effect.Effect<Uint8Array, SystemError | WrongFilesystem> =>
  onFilesystem(path, O_RDONLY | O_NONBLOCK, types, (fd) =>
    step("read", path, () => readAll(fd, fs.fstatSync(fd).size, options.maxBytes)))

const writeAll = (fd: number, path: string, data: Uint8Array): void =>
  step("write", path, () => {
    for (let offset = 0; offset < data.length;) offset += fs.writeSync(fd, data, offset, data.length - offset)
  })

const writeFileOn = (
  path: string,
  data: Uint8Array,
  types: ReadonlyArray<number>
): Effect.Effect<void, SystemError | WrongFilesystem> =>
  onFilesystem(path, O_WRONLY | O_NONBLOCK, types, (fd) => writeAll(fd, path, data))

const statfs = (path: string): Effect.Effect<number, SystemError> =>
  attempt("statfs", path, () => fs.statfsSync(path).type)

/** `d_type` values of `<dirent.h>`. */
const direntTypes: Record<number, FileType> = {
  1: "FIFO",
  2: "CharacterDevice",
  4: "Directory",
  6: "BlockDevice",
  8: "File",
  10: "SymbolicLink",
  12: "Socket"
}

/** The entries of the directory open at `fd` in the kernel's order: `getdents64`, or `/proc/self/fd/<fd>` without it. */
const rawEntriesOf = (fd: number, path: string): Array<DirectoryEntry> => {
  const raw = Libc.constants === undefined ? undefined : Libc.getdents(fd)
  let entries: Array<DirectoryEntry>
  if (raw === undefined) {
    entries = step("readdirent", path, () => fs.readdirSync(`/proc/self/fd/${fd}`, { withFileTypes: true }))
      .map((entry): DirectoryEntry => ({ name: entry.name, type: typeOf(entry) }))
  } else if ("errno" in raw) {
    throw failure("readdirent", path, Errno.nameOf(raw.errno))
  } else {
    entries = raw.filter((entry) => entry.name !== "." && entry.name !== "..")
      .map((entry): DirectoryEntry => ({ name: entry.name, type: direntTypes[entry.dtype] ?? "Unknown" }))
  }
  return entries
}

/** The entries of the directory open at `fd`, sorted by name. */
const entriesOf = (fd: number, path: string): ReadonlyArray<DirectoryEntry> =>
  sortByName(rawEntriesOf(fd, path))

/**
 * The first `limit` entries of a directory in the kernel's order (node's
 * `opendir` keeps it, where `readdir` sorts): how runc's `Readdirnames(1)`
 * sees a directory.
 */
const readDirectoryUnsorted = (path: string, limit: number | undefined): Effect.Effect<ReadonlyArray<DirectoryEntry>, SystemError> =>
  call("open", path, () => {
    const dir = step("open", path, () => fs.opendirSync(path))
    try {
      const entries: Array<DirectoryEntry> = []
      while (limit === undefined || entries.length < limit) {
        const entry = step("readdirent", path, () => dir.readSync())
        if (entry === null) break
        entries.push({ name: entry.name, type: typeOf(entry) })
      }
      return entries
    } finally {
      dir.closeSync()
    }
  })

const errnoOf = (result: Libc.SyscallResult): string => Errno.nameOf(result.errno)

/**
 * A {@link DirectoryHandle} over an open directory fd, which it owns: the
 * scope's finalizer closes it, after which every call fails with EBADF
 * (the number may belong to someone else by then).
 */
const directoryHandle = (
  open: () => number,
  path: string
): Effect.Effect<DirectoryHandle, SystemError, Scope.Scope> =>
  Effect.acquireRelease(
    call("open", path, () => {
      const fd = open()
      try {
        return { fd, info: infoOf(step("stat", path, () => fs.fstatSync(fd))), type: filesystemTypeOf(fd, path), closed: false }
      } catch (e) {
        fs.closeSync(fd)
        throw e
      }
    }),
    (held) =>
      Effect.sync(() => {
        held.closed = true
        try {
          fs.closeSync(held.fd)
        } catch {
          // close(2) releases the fd even when it reports an error
        }
      })
  ).pipe(Effect.map((held): DirectoryHandle => {
    const child = (op: string, name: string, body: (fd: number) => void) =>
      attempt(op, `${path}/${name}`, () => {
        if (!isComponent(name)) throw errnoException("EINVAL")
        if (held.closed) throw errnoException("EBADF")
        body(held.fd)
      })
    const unlink = (op: string, name: string, flags: number) =>
      child(op, name, (fd) => {
        const result = Libc.unlinkat(fd, name, flags)
        if (result.value < 0) throw errnoException(errnoOf(result))
      })
    return {
      path,
      info: held.info,
      filesystemType: held.type,
      entries: attempt("readdirent", path, () => {
        if (held.closed) throw errnoException("EBADF")
        return entriesOf(held.fd, path)
      }),
      openDirectory: (name) =>
        Effect.flatMap(child("openat", name, () => undefined), () =>
          directoryHandle(() => {
            if (held.closed) throw errnoException("EBADF")
            const result = Libc.openatNoCreate(held.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK)
            if (result.value < 0) throw failure("openat", `${path}/${name}`, errnoOf(result))
            return result.value
          }, `${path}/${name}`)),
      removeDirectory: (name) => unlink("rmdir", name, AT_REMOVEDIR),
      removeFile: (name) => unlink("unlinkat", name, 0)
    }
  }))

const openDirectory = (path: string): Effect.Effect<DirectoryHandle, SystemError, Scope.Scope> =>
  directoryHandle(() => {
    const opened = openExisting(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK)
    if (typeof opened !== "number") throw opened
    return opened
  }, path)

/** `stat`/`lstat` with `throwIfNoEntry: false`: a missing path (exactly ENOENT) fails without a node exception. */
const statWith = (
  op: "stat" | "lstat",
  get: (path: string, options: { readonly throwIfNoEntry: false }) => fs.Stats | undefined
) =>
(path: string): Effect.Effect<FileInfo, SystemError> =>
  Effect.suspend(() => {
    let stats: fs.Stats | undefined
    try {
      stats = get(path, { throwIfNoEntry: false })
    } catch (e) {
      return Effect.fail(failure(op, path, codeOf(e)))
    }
    return stats === undefined ? Effect.fail(failure(op, path, "ENOENT")) : Effect.succeed(infoOf(stats))
  })

const readDirectory = (path: string): Effect.Effect<ReadonlyArray<DirectoryEntry>, SystemError> =>
  call("open", path, () =>
    withFd(step("open", path, () => fs.openSync(path, O_RDONLY | O_NONBLOCK)), (fd) =>
      step("readdirent", path, () => {
        if (!fs.fstatSync(fd).isDirectory()) throw errnoException("ENOTDIR")
        return sortByName(
          fs.readdirSync(path, { withFileTypes: true }).map((entry): DirectoryEntry => ({ name: entry.name, type: typeOf(entry) }))
        )
      })))

const writeFile = (
  path: string,
  data: Uint8Array,
  flag: WriteFlag,
  mode: number,
  sync: boolean
): Effect.Effect<void, SystemError> =>
  call("open", path, () =>
    withFd(step("open", path, () => fs.openSync(path, writeFlags[flag], mode)), (fd) => {
      writeAll(fd, path, data)
      if (sync) step("sync", path, () => fs.fsyncSync(fd))
    }))

const readFileInRoot = (options: NodeFilesystemOptions) =>
(
  root: string,
  unsafePath: string,
  readOptions: ReadInRootDefaults
): ReturnType<Syscalls["readFileInRoot"]> => {
  const displayPath = inRootDisplayPath(root, unsafePath)
  const pathFlag = Libc.constants?.O_PATH ?? 0
  const resolver = options.resolver === undefined ? undefined : { resolver: options.resolver }
  return call("openat2", displayPath, () =>
    withFd(step("open", root, () => fs.openSync(root, pathFlag | O_DIRECTORY)), (rootFd) => {
      const rootReal = step("readlink", `/proc/self/fd/${rootFd}`, () => fs.readlinkSync(`/proc/self/fd/${rootFd}`))
      const handle = Openat2.openInRootSync(
        { rootFd, rootReal, unsafePath, flags: O_RDONLY | O_NONBLOCK, displayPath },
        resolver
      )
      if (handle instanceof SystemError) throw handle
      return withFd(handle.fd, (fd) => {
        if (!Openat2.isUnder(handle.realPath, rootReal)) throw failure("openat2", displayPath, "EXDEV")
        const stats = step("read", displayPath, () => fs.fstatSync(fd))
        if (readOptions.regularOnly === true && !stats.isFile() && !stats.isDirectory()) {
          throw failure("read", displayPath, "EINVAL")
        }
        const content = step("read", displayPath, () => readAll(fd, stats.size, readOptions.maxBytes))
        const inside = handle.realPath.slice(rootReal === "/" ? 0 : rootReal.length)
        const rootStats = step("stat", root, () => fs.fstatSync(rootFd))
        return {
          path: clean(`${clean(root)}/${inside}`),
          content,
          rootIdentity: { dev: rootStats.dev, ino: rootStats.ino }
        }
      })
    }))
}

/**
 * `open(path, flags)` then `fstat` of the descriptor (its failure reported
 * as `statOp`); a descriptor that `accept` refuses is EINVAL. Closed again
 * on any failure, so only a descriptor the caller keeps is left open.
 */
const openAndStat = (
  path: string,
  flags: number,
  statOp: string,
  accept: (stats: fs.Stats) => boolean = () => true
): { readonly fd: number; readonly stats: fs.Stats } => {
  const fd = step("open", path, () => fs.openSync(path, flags))
  try {
    const stats = step(statOp, path, () => fs.fstatSync(fd))
    if (!accept(stats)) throw failure("open", path, "EINVAL")
    return { fd, stats }
  } catch (e) {
    fs.closeSync(fd)
    throw e
  }
}

/**
 * A directory opened `O_RDONLY|O_DIRECTORY|O_NONBLOCK` (and, as every fd
 * Node opens, `O_CLOEXEC`, so a spawned child never inherits a lock) for
 * `flock(LOCK_NB)`. After `close` the fd number may belong to someone else,
 * so a closed description refuses to lock (EBADF) and closes only once.
 */
const openLockable = (path: string): Effect.Effect<LockableDirectory, SystemError> =>
  call("open", path, () => {
    const { fd, stats } = openAndStat(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK, "stat")
    let open = true
    return {
      ino: stats.ino,
      dev: stats.dev,
      tryLock: (mode) =>
        attempt("flock", path, () => {
          if (!open) throw errnoException("EBADF")
          const result = Flock.tryLock(fd, mode)
          if (typeof result === "object") throw errnoException(result.errno)
          return result === "locked"
        }),
      close: Effect.sync(() => {
        if (!open) return
        open = false
        try {
          fs.closeSync(fd)
        } catch {
          // close(2) releases the fd even when it reports an error
        }
      })
    }
  })

// -- FIFO reading (exec.fifo) --

/**
 * `open(path, O_RDONLY|O_NONBLOCK)` of a FIFO, and non-blocking reads on it:
 * EAGAIN (a writer, nothing written) is `"again"`, 0 bytes end of file.
 * Anything but a FIFO is closed unread and refused with EINVAL.
 */
const openFifo = (path: string): Effect.Effect<FifoDescriptor, SystemError> =>
  call("open", path, () => {
    const { fd, stats } = openAndStat(path, O_RDONLY | O_NONBLOCK, "open", (stats) => stats.isFIFO())
    let open = true
    return {
      ino: stats.ino,
      dev: stats.dev,
      read: (max) =>
        call("read", path, () => {
          if (!open) throw failure("read", path, "EBADF")
          const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(max, 64 * 1024)))
          try {
            const n = fs.readSync(fd, buffer, 0, buffer.length, null)
            return new Uint8Array(buffer.subarray(0, n))
          } catch (e) {
            if (codeOf(e) === "EAGAIN") return "again" as const
            throw failure("read", path, codeOf(e))
          }
        }),
      close: Effect.sync(() => {
        if (!open) return
        open = false
        try {
          fs.closeSync(fd)
        } catch {
          // close(2) releases the fd even when it reports an error
        }
      })
    }
  })

/** This host's system calls. */
export const syscalls = (options: NodeFilesystemOptions = {}): Syscalls => ({
  lstat: statWith("lstat", fs.lstatSync),
  stat: statWith("stat", fs.statSync),
  readLink: (path) => attempt("readlink", path, () => fs.readlinkSync(path)),
  readDirectory,
  readDirectoryUnsorted,
  mkdir: (path, mode) => attempt("mkdir", path, () => fs.mkdirSync(path, { mode })),
  unlink: (path) => attempt("unlink", path, () => fs.unlinkSync(path)),
  rmdir: (path) => attempt("rmdir", path, () => fs.rmdirSync(path)),
  rename: (from, to) => attempt("rename", from, () => fs.renameSync(from, to), to),
  symlink: (target, path) => attempt("symlink", target, () => fs.symlinkSync(target, path), path),
  mkfifo,
  chmod: (path, mode) => attempt("chmod", path, () => fs.chmodSync(path, mode)),
  statfs,
  readFile,
  readFileOn,
  writeFile,
  writeFileOn,
  openDirectory,
  syncDirectory: (path) =>
    call("open", path, () =>
      withFd(step("open", path, () => fs.openSync(path, O_RDONLY | O_DIRECTORY)), (fd) =>
        step("sync", path, () => fs.fsyncSync(fd)))),
  readFileInRoot: readFileInRoot(options),
  openLockable,
  direct,
  openFifo
})

/** The Filesystem service of this host. */
export const make = (options: NodeFilesystemOptions = {}): FilesystemService => makeService(syscalls(options))
