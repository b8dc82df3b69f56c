/**
 * This host's direct calls (the Filesystem port's `DirectCalls`): node:fs
 * and koffi, without effects and without error objects — a failure is its
 * errno name. `Factory.list` makes a handful per container, most of them
 * expected to fail with ENOENT (a stopped container's cgroup, a missing
 * `exec.fifo`), so each costs one system call and nothing more. No Effect
 * here: the CLI's `list` runs on these alone.
 */
import * as fs from "node:fs"
import type { DirectCalls, DirectLock, DirectoryEntry, FileInfo, FileType, HeldRoot, LockMode } from "../Filesystem.js"
import { sortByName } from "../internal/byteOrder.js"
import * as Errno from "../internal/errno.js"
import { CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC } from "../internal/filesystemType.js"
import * as Flock from "./flock.js"
import * as Libc from "./libc.js"
import {
  encodeOpenHow,
  ENOSYS,
  hasOpenat2,
  RESOLVE_IN_ROOT,
  RESOLVE_NO_MAGICLINKS,
  RESOLVE_NO_SYMLINKS
} from "./openat2Syscall.js"

const { O_DIRECTORY, O_NONBLOCK, O_RDONLY } = fs.constants
const AT_FDCWD = -100

/** The errno name of anything node:fs or koffi threw; a bad argument (a NUL in a path) is EINVAL, as in Go. */
export const codeOf = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code
  if (typeof code === "string" && code.startsWith("ERR_INVALID_ARG")) return "EINVAL"
  return "EIO"
}

/** `lstat(2)`'s `S_IFMT` bits as a {@link FileType}. */
export const typeOf = (stats: fs.Stats | fs.Dirent): FileType =>
  stats.isFile()
    ? "File"
    : stats.isDirectory()
    ? "Directory"
    : stats.isSymbolicLink()
    ? "SymbolicLink"
    : stats.isFIFO()
    ? "FIFO"
    : stats.isCharacterDevice()
    ? "CharacterDevice"
    : stats.isBlockDevice()
    ? "BlockDevice"
    : stats.isSocket()
    ? "Socket"
    : "Unknown"

const fileTypes: ReadonlyMap<number, FileType> = new Map([
  [0o100000, "File"],
  [0o040000, "Directory"],
  [0o120000, "SymbolicLink"],
  [0o010000, "FIFO"],
  [0o020000, "CharacterDevice"],
  [0o060000, "BlockDevice"],
  [0o140000, "Socket"]
])

/** The {@link FileType} of `st_mode`'s `S_IFMT` bits. */
const typeOfMode = (mode: number): FileType => fileTypes.get(mode & 0o170000) ?? "Unknown"

/** `fstat(2)`: through `statx` where the C library has it (no `Date`s made), else node's. */
const fstat = (fd: number): FileInfo | string => {
  if (Libc.constants !== undefined) {
    const stats = Libc.statx(fd, "", Libc.AT_EMPTY_PATH)
    if (typeof stats === "number") return Errno.nameOf(stats)
    if (stats !== undefined) return infoOf(stats)
  }
  try {
    return infoOf(fs.fstatSync(fd))
  } catch (e) {
    return codeOf(e)
  }
}

/** The port's {@link FileInfo} of node's stats or of a `statx` result (the same fields; the type from `st_mode`). */
export const infoOf = (stats: fs.Stats | Libc.Statx): FileInfo => ({
  type: typeOfMode(stats.mode),
  mode: stats.mode & 0o7777,
  uid: stats.uid,
  gid: stats.gid,
  size: stats.size,
  ino: stats.ino,
  dev: stats.dev,
  nlink: stats.nlink,
  mtimeMs: stats.mtimeMs
})

/**
 * The buffer every direct read lands in (the calls are synchronous, so one
 * is enough); a larger file grows it. What a read returns is a view of it,
 * valid until the next read.
 */
let scratch = Buffer.allocUnsafe(65536)

/**
 * Reads an open fd to EOF into {@link scratch}, at most `limit` bytes (more
 * is EFBIG); a read that returns exactly `size` (the `st_size` just seen) is
 * the whole file, as the node layer's `readAll` takes it.
 */
const readAll = (fd: number, size: number, limit: number, seqFile = false): Uint8Array | string => {
  let total = 0
  for (;;) {
    if (total === scratch.length) {
      const grown = Buffer.allocUnsafe(Math.min(scratch.length * 2, limit + 1))
      scratch.copy(grown, 0, 0, total)
      scratch = grown
    }
    let n: number
    try {
      n = fs.readSync(fd, scratch, total, Math.min(scratch.length, limit + 1) - total, null)
    } catch (e) {
      return codeOf(e)
    }
    if (n === 0) break
    const asked = Math.min(scratch.length, limit + 1) - total
    total += n
    if (total > limit) return "EFBIG"
    if (size > 0 && total === size) break
    // a seq_file read stops short only at its end
    if (seqFile && n < asked) break
  }
  return scratch.subarray(0, total)
}

const closeQuietly = (fd: number): void => {
  try {
    fs.closeSync(fd)
  } catch {
    // close(2) releases the fd even when it reports an error
  }
}

/** Grows the scratch buffer ahead of a read of `size` bytes, so it takes one `read(2)`. */
const reserve = (size: number, limit: number): void => {
  if (size < scratch.length || size > limit) return
  let length = scratch.length
  while (length <= size) length *= 2
  scratch = Buffer.allocUnsafe(Math.min(length, limit + 1))
}

/** `struct open_how` of {@link HeldRoot.readFile}, made once: read-only, non-blocking, nothing followed. */
let readHow: Buffer | undefined

const openHow = (constants: Libc.ArchConstants): Buffer =>
  readHow ??= encodeOpenHow({
    flags: O_RDONLY | O_NONBLOCK | constants.O_CLOEXEC,
    mode: 0,
    resolve: RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS
  })

const heldRoot = (fd: number, identity: { readonly dev: number; readonly ino: number }): HeldRoot => {
  let open = true
  return {
    identity,
    readFile: (dir, name, maxBytes) => {
      if (!open) return "EBADF"
      const constants = Libc.constants
      if (constants === undefined || !hasOpenat2()) return Errno.nameOf(ENOSYS)
      const opened = Libc.openat2(constants.SYS_openat2, fd, `${dir}/${name}`, openHow(constants))
      if (opened.value < 0) return Errno.nameOf(opened.errno)
      try {
        const stats = fstat(opened.value)
        if (typeof stats === "string") return stats
        if (stats.type !== "File") return "EINVAL"
        if (stats.size > maxBytes) return "EFBIG"
        reserve(stats.size, maxBytes)
        return readAll(opened.value, stats.size, maxBytes)
      } finally {
        closeQuietly(opened.value)
      }
    },
    close: () => {
      if (!open) return
      open = false
      closeQuietly(fd)
    }
  }
}

/** Opens without creating: the fd or the errno name, through libc where it can (no node exception). */
const openExisting = (path: string, flags: number): number | string => {
  if (Libc.constants === undefined) {
    try {
      return fs.openSync(path, flags)
    } catch (e) {
      return codeOf(e)
    }
  }
  const opened = Libc.openNoCreate(path, flags)
  return opened.value >= 0 ? opened.value : Errno.nameOf(opened.errno)
}

/** `fstatfs(2)` of an fd: its `f_type`, or the errno name (where raw calls are unsupported, `statfs` of `/proc/self/fd/<fd>`). */
const filesystemOf = (fd: number): number | string => {
  if (Libc.constants === undefined) {
    try {
      return fs.statfsSync(`/proc/self/fd/${fd}`).type
    } catch (e) {
      return codeOf(e)
    }
  }
  const result = Libc.fstatfs(fd)
  return result.value < 0 ? Errno.nameOf(result.errno) : result.value
}

const AT_SYMLINK_NOFOLLOW = 0x100

/** `stat(2)`, or `lstat(2)` with `AT_SYMLINK_NOFOLLOW`: through `statx` (no `Date`s, no exception), else node's. */
const statAt = (path: string, flags: 0 | typeof AT_SYMLINK_NOFOLLOW): FileInfo | string => {
  if (Libc.constants !== undefined) {
    const stats = Libc.statx(AT_FDCWD, path, flags)
    if (typeof stats === "number") return Errno.nameOf(stats)
    if (stats !== undefined) return infoOf(stats)
  }
  try {
    const options = { throwIfNoEntry: false } as const
    const stats = flags === 0 ? fs.statSync(path, options) : fs.lstatSync(path, options)
    return stats === undefined ? "ENOENT" : infoOf(stats)
  } catch (e) {
    return codeOf(e)
  }
}

/**
 * `DirectCalls.tryLockDirectory`: the directory opened as the lock loop
 * opens it (`O_RDONLY|O_DIRECTORY|O_NONBLOCK|O_CLOEXEC`, so a spawned child
 * never inherits the lock), one `flock(LOCK_NB)`, then `stat(path)` to see
 * it still names that directory. Anything but the lock closes the fd.
 */
const tryLockDirectory = (path: string, mode: LockMode): DirectLock | string => {
  const opened = openExisting(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK)
  if (typeof opened === "string") return opened
  const fail = (why: string): string => {
    closeQuietly(opened)
    return why
  }
  const held = fstat(opened)
  if (typeof held === "string") return fail(held)
  const locked = Flock.tryLock(opened, mode)
  if (locked !== "locked") return fail(locked === "busy" ? "busy" : locked.errno)
  const now = statAt(path, 0)
  if (typeof now === "string") return fail(now)
  if (now.ino !== held.ino || now.dev !== held.dev) return fail("replaced")
  let open = true
  return {
    release: () => {
      if (!open) return
      open = false
      closeQuietly(opened)
    }
  }
}

/** This host's direct calls. */
export const calls: DirectCalls = {
  openRoot: (path) => {
    const opened = openExisting(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK)
    if (typeof opened === "string") return opened
    const stats = fstat(opened)
    if (typeof stats === "string") {
      closeQuietly(opened)
      return stats
    }
    return heldRoot(opened, { dev: stats.dev, ino: stats.ino })
  },
  readFileOn: (path, types, maxBytes) => {
    const opened = openExisting(path, O_RDONLY | O_NONBLOCK)
    if (typeof opened === "string") return opened
    try {
      const type = filesystemOf(opened)
      if (typeof type === "string") return type
      if (!types.includes(type)) return type
      // cgroupfs and procfs give no size worth an fstat: the file is read to its end — on cgroupfs, where
      // every file is a seq_file (the kernel fills each read as far as the file goes), to the first short read
      return readAll(opened, 0, maxBytes, type === CGROUP_SUPER_MAGIC || type === CGROUP2_SUPER_MAGIC)
    } finally {
      closeQuietly(opened)
    }
  },
  readDirectory: (path) => {
    try {
      // scandir opens with O_DIRECTORY: anything but a directory (a FIFO included) fails at once with ENOTDIR
      return sortByName(
        fs.readdirSync(path, { withFileTypes: true }).map((entry): DirectoryEntry => ({ name: entry.name, type: typeOf(entry) }))
      )
    } catch (e) {
      return codeOf(e)
    }
  },
  readFile: (path, maxBytes) => {
    const opened = openExisting(path, O_RDONLY | O_NONBLOCK)
    if (typeof opened === "string") return opened
    try {
      const stats = fstat(opened)
      return typeof stats === "string" ? stats : readAll(opened, stats.size, maxBytes)
    } finally {
      closeQuietly(opened)
    }
  },
  stat: (path) => statAt(path, 0),
  lstat: (path) => statAt(path, AT_SYMLINK_NOFOLLOW),
  mkdir: (path, mode) => {
    try {
      fs.mkdirSync(path, { mode })
      return undefined
    } catch (e) {
      return codeOf(e)
    }
  },
  tryLockDirectory
}
