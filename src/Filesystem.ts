/**
 * The filesystem port: the file operations the factory, the state writer and
 * the cgroup, resctrl and procfs code need — and nothing more. A host
 * provides a few system calls ({@link Syscalls}); {@link make} derives the
 * service from them — Go's `os.MkdirAll`, `os.RemoveAll`, `CreateTemp` plus
 * rename, the confined removal and the lock loop are written once, in
 * `internal/filesystem.ts`, so every host behaves alike. The adapters live
 * with their hosts: `NodeHost.layerFilesystem` (node:fs plus `openat2(2)`
 * and friends through koffi) and the simulated host's (`MemoryHost`), whose
 * tree has cgroupfs, resctrl and procfs mounted in it.
 *
 * Every failure is a typed {@link SystemError} carrying the errno name, the
 * operation and the path, rendered like Go's `*os.PathError` so messages read
 * as runc's do.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { SystemError } from "./ContainerError.js"
import * as Internal from "./internal/filesystem.js"
import type { NotConfined, WrongFilesystem } from "./internal/filesystemType.js"

export {
  /** `CGROUP_SUPER_MAGIC`: `f_type` of a cgroup v1 hierarchy. */
  CGROUP_SUPER_MAGIC,
  /** `CGROUP2_SUPER_MAGIC`: `f_type` of a cgroup2 mount. */
  CGROUP2_SUPER_MAGIC,
  /** The types a cgroup file or directory may be on. */
  cgroupTypes,
  /** `EXT4_SUPER_MAGIC`. */
  EXT4_SUPER_MAGIC,
  /** A filesystem type's usual name, or its magic in hex. */
  nameOf as filesystemTypeName,
  /** Why {@link FilesystemService.removeAllInRoot} refused. */
  NotConfined,
  type NotConfinedReason,
  /** `PROC_SUPER_MAGIC`: `f_type` of procfs. */
  PROC_SUPER_MAGIC,
  /** `RDTGROUP_SUPER_MAGIC`: `f_type` of resctrl. */
  RDTGROUP_SUPER_MAGIC,
  /** `SYSFS_MAGIC`. */
  SYSFS_MAGIC,
  /** `TMPFS_MAGIC`: `f_type` of tmpfs and devtmpfs. */
  TMPFS_MAGIC,
  /** A file refused for the filesystem it is on; nothing was read, written or removed. */
  WrongFilesystem
} from "./internal/filesystemType.js"

/** The kind of a directory entry, as `lstat(2)`'s `S_IFMT` bits or `d_type` give it. */
export type FileType =
  | "File"
  | "Directory"
  | "SymbolicLink"
  | "FIFO"
  | "CharacterDevice"
  | "BlockDevice"
  | "Socket"
  | "Unknown"

/** What `stat`/`lstat` report. */
export interface FileInfo {
  readonly type: FileType
  /** Permission bits, including setuid/setgid/sticky (`st_mode & 0o7777`). */
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly size: number
  readonly ino: number
  readonly dev: number
  readonly nlink: number
  readonly mtimeMs: number
}

/** One entry of `readDirectory`: the name and the type `readdir(3)` reports (no stat). */
export interface DirectoryEntry {
  readonly name: string
  readonly type: FileType
}

/** How `writeFile` opens its target. */
export type WriteFlag =
  /** `O_WRONLY|O_CREAT|O_TRUNC`: create or replace the content. */
  | "truncate"
  /** `O_WRONLY|O_CREAT|O_EXCL`: create, failing with EEXIST when present. */
  | "exclusive"
  /** `O_WRONLY` only: the file must exist (cgroupfs and resctrl control files). */
  | "existing"

/**
 * The most any read reads unless told otherwise: 16 MiB. Every read of the
 * library is bounded; a file (or a device, or a FIFO) that yields more fails
 * with `EFBIG` (`read <path>: file too large`) after at most this many bytes
 * and one more.
 */
export const defaultMaxReadBytes: number = Internal.defaultMaxReadBytes

/** Options of `readFile`, `readFileOn` and `readFileInRoot`. */
export interface ReadOptions {
  /**
   * Fail with `EFBIG` instead of reading more than this many bytes; default
   * {@link defaultMaxReadBytes}. Guards against a hostile state.json the size
   * of the disk, or a symlink to `/dev/zero`.
   */
  readonly maxBytes?: number
}

/** Options of `readFileInRoot`. */
export interface ReadInRootOptions extends ReadOptions {
  /**
   * Refuse anything but a regular file, without blocking: a FIFO, a device
   * or a socket fails with `EINVAL`, a directory with `EISDIR`. The file is
   * opened `O_NONBLOCK`, so a FIFO named state.json cannot hang the caller.
   */
  readonly regularOnly?: boolean
}

/** How `lockDirectory` holds a directory: `flock(2)`'s `LOCK_EX` or `LOCK_SH`. */
export type LockMode = "exclusive" | "shared"

/** Options of `lockDirectory`. */
export interface LockOptions {
  /**
   * Give up after waiting this long, with `flock <path>: resource
   * temporarily unavailable` (EAGAIN); default {@link defaultLockTimeout}.
   * Zero tries once.
   */
  readonly timeout?: Duration.DurationInput
}

/** How long `lockDirectory` waits for a held lock unless told otherwise: 30 seconds. */
export const defaultLockTimeout: Duration.Duration = Internal.defaultLockTimeout

/** Which inode a path named: the device and inode number `fstat(2)` reports. */
export interface FileIdentity {
  readonly dev: number
  readonly ino: number
}

/** The result of reading a file inside a root. */
export interface InRootFile {
  /**
   * Where the file was found, as a path inside the root (the root followed by
   * the resolved, symlink-free components).
   */
  readonly path: string
  readonly content: Uint8Array
  /** The root directory that was opened, for a later {@link FilesystemService.removeAllInRoot}. */
  readonly rootIdentity: FileIdentity
}

/**
 * A directory held open for descriptor-relative work — `openat`,
 * `unlinkat`, `getdents` on the descriptor — so a path swapped for a
 * symlink after it was opened cannot redirect what is done inside it. The
 * descriptor is closed when the scope it was opened in closes. A `name` is
 * one path component: empty, `.`, `..` or a name with `/` is EINVAL.
 */
export interface DirectoryHandle {
  /** The path it was opened by, for messages: `<parent path>/<name>` for one opened from a handle. */
  readonly path: string
  /** `fstat(2)` of the descriptor. */
  readonly info: FileInfo
  /** `fstatfs(2)` of the descriptor: the filesystem type (`f_type`) it is on. */
  readonly filesystemType: number
  /** The entries, read from the descriptor, with their `d_type`, sorted by name (byte order), without `.` and `..`. */
  readonly entries: Effect.Effect<ReadonlyArray<DirectoryEntry>, SystemError>
  /**
   * `openat(fd, name, O_RDONLY|O_DIRECTORY|O_NOFOLLOW)`: a symlink — even to
   * a directory — or any other non-directory fails with ENOTDIR (op
   * `openat`); nothing is ever followed.
   */
  readonly openDirectory: (name: string) => Effect.Effect<DirectoryHandle, SystemError, Scope.Scope>
  /** `unlinkat(fd, name, AT_REMOVEDIR)`: removes an empty directory (op `rmdir`). */
  readonly removeDirectory: (name: string) => Effect.Effect<void, SystemError>
  /** `unlinkat(fd, name, 0)`: removes a non-directory; a symlink itself, never its target (op `unlinkat`). */
  readonly removeFile: (name: string) => Effect.Effect<void, SystemError>
}

/** Options of `removeAllInRoot`. */
export interface RemoveInRootOptions {
  /**
   * The root's identity when the caller first used it (e.g. from
   * `readFileInRoot`): a root that is another directory now — swapped for a
   * symlink or renamed over — is refused with {@link NotConfined} `root replaced`.
   */
  readonly rootIdentity?: FileIdentity
  /**
   * The filesystem types (`f_type`) every directory of the removal — the
   * root, the path's components and everything below — must be on; one on
   * any other fails with {@link WrongFilesystem} and is left alone.
   */
  readonly filesystemTypes?: ReadonlyArray<number>
}

/**
 * A directory held open for many reads inside it ({@link DirectCalls.openRoot}):
 * the state root while `Factory.list` reads every container's state.json.
 */
export interface HeldRoot {
  /** The root as it was opened: `fstat(2)` of the descriptor. */
  readonly identity: FileIdentity
  /**
   * Reads `<dir>/<name>` inside the root — two plain names resolved from
   * the held descriptor, nothing followed on the way (this host:
   * `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)`,
   * so any symlink is `ELOOP`) — when it is a regular file of at most
   * `maxBytes`: its content, in a buffer the next direct call may reuse.
   * Otherwise the errno name, and nothing read: `EINVAL` for anything but
   * a regular file (a FIFO is never opened for a read that could block),
   * `EFBIG` for more than `maxBytes`, `ENOENT`, `ELOOP`, `EACCES`, …; `ENOSYS`
   * where the host cannot resolve this way (a kernel without openat2), and
   * `EBADF` after {@link HeldRoot.close}.
   */
  readonly readFile: (dir: string, name: string, maxBytes: number) => Uint8Array | string
  /** Closes the descriptor; idempotent. */
  readonly close: () => void
}

/**
 * The few operations a loop over thousands of containers makes, as plain
 * synchronous calls that report a failure as its errno name instead of an
 * error object: ENOENT is the common, expected answer there (a stopped
 * container's cgroup, a missing `exec.fifo`), and an error with a stack
 * trace would cost more than the system call. Each does what the effectful
 * call of the same name does, checks included. Contents returned are valid
 * until the next direct call on the same service.
 */
export interface DirectCalls {
  /**
   * `open(path, O_DIRECTORY)` (following symlinks, as the caller named the
   * root), held for {@link HeldRoot.readFile}s until closed; or the errno name.
   */
  readonly openRoot: (path: string) => HeldRoot | string
  /**
   * {@link FilesystemService.readFileOn} without effects: the content, or
   * the errno name of the failing call, or — for a file on none of `types`,
   * refused before a byte is read — the `f_type` it is on.
   */
  readonly readFileOn: (path: string, types: ReadonlyArray<number>, maxBytes: number) => Uint8Array | string | number
  /** `stat(2)` (following symlinks): the info, or the errno name. */
  readonly stat: (path: string) => FileInfo | string
  /** `lstat(2)` (a final symlink is not followed): the info, or the errno name. */
  readonly lstat: (path: string) => FileInfo | string
  /** {@link FilesystemService.readDirectory} without effects: the entries sorted by name (byte order), or the errno name. */
  readonly readDirectory: (path: string) => ReadonlyArray<DirectoryEntry> | string
  /** {@link FilesystemService.readFile} without effects: the content (at most `maxBytes`, more is EFBIG), or the errno name. */
  readonly readFile: (path: string, maxBytes: number) => Uint8Array | string
  /** `mkdir(2)` of one directory, `mode` before the umask: `undefined` once made, or the errno name. */
  readonly mkdir: (path: string, mode: number) => string | undefined
  /**
   * One try at {@link FilesystemService.lockDirectory}'s lock, never
   * waiting: the directory opened as that call opens it, one
   * `flock(LOCK_NB)`, and `path` checked to still name the locked
   * directory. The lock, held until {@link DirectLock.release}; or, with
   * nothing held and nothing left open, `"busy"` (another open file
   * description holds a conflicting lock), `"replaced"` (`path` names
   * another inode now) or the errno name of the failing call. Anything but
   * the lock is for `lockDirectory` itself to wait out or report.
   */
  readonly tryLockDirectory: (path: string, mode: LockMode) => DirectLock | string
}

/** A lock {@link DirectCalls.tryLockDirectory} took. */
export interface DirectLock {
  /** Closes the description, which drops the lock; later calls do nothing. */
  readonly release: () => void
}

/** The file operations of the library; see the module documentation. */
export interface FilesystemService {
  /** `lstat(2)`: does not follow a final symlink. */
  readonly lstat: (path: string) => Effect.Effect<FileInfo, SystemError>
  /** `stat(2)`: follows symlinks. */
  readonly stat: (path: string) => Effect.Effect<FileInfo, SystemError>
  /** `readlink(2)`: the target, byte for byte. */
  readonly readLink: (path: string) => Effect.Effect<string, SystemError>
  /** `readdir(3)`: names and types, sorted by name (byte order), without `.` and `..`. */
  readonly readDirectory: (path: string) => Effect.Effect<ReadonlyArray<DirectoryEntry>, SystemError>
  /**
   * `readdir(3)` in the directory's own order, unsorted, without `.` and
   * `..`; at most `limit` entries when given — runc's `Readdirnames(1)`,
   * which takes whatever name the kernel returns first.
   */
  readonly readDirectoryUnsorted: (
    path: string,
    options?: { readonly limit?: number }
  ) => Effect.Effect<ReadonlyArray<DirectoryEntry>, SystemError>
  /** `mkdir(2)`: one directory, `mode` before the umask. */
  readonly makeDirectory: (path: string, mode: number) => Effect.Effect<void, SystemError>
  /**
   * Go's `os.MkdirAll`: every missing component with `mode`; an existing
   * directory (or a symlink to one) is fine, an existing non-directory fails
   * with ENOTDIR.
   */
  readonly makeDirectoryAll: (path: string, mode: number) => Effect.Effect<void, SystemError>
  /** `statfs(2)`: the type (`f_type`) of the filesystem holding `path`, following symlinks (op `statfs`). */
  readonly statfs: (path: string) => Effect.Effect<number, SystemError>
  /**
   * Reads a whole file (following symlinks), opened `O_RDONLY|O_NONBLOCK`,
   * at most `maxBytes` ({@link defaultMaxReadBytes} by default; more is EFBIG).
   */
  readonly readFile: (path: string, options?: ReadOptions) => Effect.Effect<Uint8Array, SystemError>
  /**
   * Reads a file that must be on one of the filesystem `types` (runc's
   * `openAndCheck` for cgroup files): `open(O_RDONLY|O_NONBLOCK)`, then
   * `fstatfs(2)` of that descriptor — a file on any other filesystem (a
   * symlink to `/dev/zero`, a FIFO, a regular file on tmpfs) fails with
   * {@link WrongFilesystem} before a byte is read — then a bounded read, as
   * {@link FilesystemService.readFile}.
   */
  readonly readFileOn: (
    path: string,
    types: ReadonlyArray<number>,
    options?: ReadOptions
  ) => Effect.Effect<Uint8Array, SystemError | WrongFilesystem>
  /** Writes a file; `mode` (before the umask) only matters when it is created. */
  readonly writeFile: (
    path: string,
    data: Uint8Array,
    options?: { readonly flag?: WriteFlag; readonly mode?: number }
  ) => Effect.Effect<void, SystemError>
  /**
   * Replaces `<dir>/<name>` atomically: writes a temp file in `dir`
   * (`<prefix><random>`, created exclusively with `mode`), fsyncs it, renames
   * it over the target and fsyncs `dir`. On failure the temp file is removed.
   * Readers see the old or the new content, never a mix.
   */
  readonly writeFileAtomic: (
    dir: string,
    name: string,
    data: Uint8Array,
    options?: {
      readonly mode?: number
      readonly tempPrefix?: string
      /**
       * Before writing, remove regular files in `dir` named `<prefix><digits>`
       * — temp files a crashed writer left — whose mtime is at least this old.
       * Off by default; the target itself is never touched.
       */
      readonly removeStaleTemps?: Duration.DurationInput
    }
  ) => Effect.Effect<void, SystemError>
  /**
   * Writes an existing file that must be on one of the filesystem `types`
   * (a cgroupfs or resctrl control file): `open(O_WRONLY|O_NONBLOCK)` without
   * create or truncate, `fstatfs(2)` of that descriptor — any other
   * filesystem fails with {@link WrongFilesystem} before anything is written
   * — and one `write(2)` of `data`.
   */
  readonly writeFileOn: (
    path: string,
    data: Uint8Array,
    types: ReadonlyArray<number>
  ) => Effect.Effect<void, SystemError | WrongFilesystem>
  /** `rename(2)`. */
  readonly rename: (from: string, to: string) => Effect.Effect<void, SystemError>
  /** `unlink(2)` for non-directories, `rmdir(2)` for directories. */
  readonly remove: (path: string) => Effect.Effect<void, SystemError>
  /** Go's `os.RemoveAll`: a missing path is success; symlinks are removed, not followed. */
  readonly removeAll: (path: string) => Effect.Effect<void, SystemError>
  /**
   * Removes the directory `<root>/<path>` and everything in it, confined to
   * `root`: the root is opened (following symlinks, as the caller named it),
   * every component of `path` is opened from the previous descriptor with
   * `O_NOFOLLOW|O_DIRECTORY`, and the directory is removed from its parent's
   * descriptor — by `rmdir` alone when that works (a resctrl group), else
   * after emptying it through descriptors: a symlink inside is unlinked,
   * never followed. A component that is a symlink or not a directory, a
   * `path` that is not plain names, a mount point inside the tree, or a root
   * that is not `rootIdentity` any more is refused with {@link NotConfined};
   * a directory off `filesystemTypes` with {@link WrongFilesystem}. What is
   * refused is not touched. A missing root or path is success, as in Go's
   * `os.RemoveAll`; a failure part-way reports the first failing call and
   * removes what it can.
   */
  readonly removeAllInRoot: (
    root: string,
    path: string,
    options?: RemoveInRootOptions
  ) => Effect.Effect<void, SystemError | NotConfined | WrongFilesystem>
  /**
   * Opens a directory (following symlinks) for descriptor-relative work
   * until the scope closes; anything but a directory is ENOTDIR (op `open`).
   */
  readonly openDirectory: (path: string) => Effect.Effect<DirectoryHandle, SystemError, Scope.Scope>
  /** `symlink(2)`: creates `path` pointing at `target` (stored verbatim). */
  readonly symlink: (target: string, path: string) => Effect.Effect<void, SystemError>
  /** `mkfifo(3)` with `mode` before the umask. */
  readonly makeFifo: (path: string, mode: number) => Effect.Effect<void, SystemError>
  /** `chmod(2)`. */
  readonly chmod: (path: string, mode: number) => Effect.Effect<void, SystemError>
  /**
   * Opens `unsafePath` as if `root` were `/` — symlinks, absolute targets and
   * `..` never leave `root`, even when the tree is changed concurrently — and
   * reads it. On the node layer this is `openat2(RESOLVE_IN_ROOT |
   * RESOLVE_NO_MAGICLINKS)`, with a userspace fallback where the kernel lacks
   * openat2.
   */
  readonly readFileInRoot: (
    root: string,
    unsafePath: string,
    options?: ReadInRootOptions
  ) => Effect.Effect<InRootFile, SystemError>
  /**
   * `flock(2)` on a directory, held until the scope closes (not in runc,
   * which locks nothing across processes). The directory is opened
   * `O_RDONLY|O_DIRECTORY` — a symlink to a directory is followed, nothing
   * but a directory is ever opened — and locked with `LOCK_NB`, retried with
   * a short backoff on wall-clock time, so waiting never blocks the event
   * loop and stays interruptible. The lock belongs to that open file
   * description: any other call, in this process or another, waits for it.
   * Once locked, `path` must still be that directory: removed meanwhile is
   * the `stat` error (ENOENT), replaced is retried. Waiting longer than the
   * timeout fails with op `flock`, code EAGAIN.
   */
  readonly lockDirectory: (
    path: string,
    mode: LockMode,
    options?: LockOptions
  ) => Effect.Effect<void, SystemError, Scope.Scope>
  /**
   * The host's synchronous calls for hot loops (see {@link DirectCalls}).
   * A wrapper that changes what the effectful calls see must change these
   * too: `Factory.list` and `Factory.load` read through them first.
   */
  readonly direct: DirectCalls
  // -- FIFO reading (exec.fifo) --
  /**
   * Opens the FIFO at `path` (following symlinks) for reading, as runc's
   * `exec.fifo` reader does: `O_RDONLY|O_NONBLOCK`, then — with
   * `waitForWriter` — waiting until a writer has it open, polling (or
   * woken by the host) so that the wait is interruptible and an interrupted
   * wait closes the descriptor. A FIFO removed or replaced while waiting
   * ends the wait (someone else consumed it). Anything but a FIFO fails with
   * EINVAL (op `open`) unread.
   */
  readonly openFifoReader: (path: string, options?: FifoReadOptions) => Effect.Effect<FifoReader, SystemError>
}

// ---------------------------------------------------------------------------
// FIFO reading, for runc's exec.fifo start protocol (`Container.start`)

/** An open read end of a FIFO (see {@link FilesystemService.openFifoReader}). */
export interface FifoReader {
  /**
   * Reads until every writer has closed the FIFO (end of file), at most
   * `maxBytes` (EFBIG beyond, op `read`); while a writer holds it open with
   * nothing written, waits.
   */
  readonly readAll: Effect.Effect<Uint8Array, SystemError>
  /** Closes the read end; later calls do nothing. */
  readonly close: Effect.Effect<void>
}

/** Options of {@link FilesystemService.openFifoReader}. */
export interface FifoReadOptions {
  /**
   * Return only once a writer has (or had) the FIFO open, as a blocking
   * `open(O_RDONLY)` does — but interruptibly, and leaving no descriptor
   * open when interrupted. Default false: return at once, writer or not
   * (`O_NONBLOCK`).
   */
  readonly waitForWriter?: boolean
  /** The most `readAll` reads; default {@link defaultMaxReadBytes}. */
  readonly maxBytes?: number
}

/**
 * A FIFO opened `O_RDONLY|O_NONBLOCK`, as a host gives it to
 * {@link Syscalls.openFifo}: which inode it is, and `read(2)` on it.
 */
export interface FifoDescriptor {
  readonly ino: number
  readonly dev: number
  /**
   * One `read(2)` of at most `max` bytes: the bytes read; an empty array at
   * end of file (no writer has the FIFO open and nothing is buffered);
   * `"again"` when a writer has it open but nothing is written yet (EAGAIN).
   */
  readonly read: (max: number) => Effect.Effect<Uint8Array | "again", SystemError>
  /**
   * Completes when the FIFO may have changed since the last `read` (a writer
   * opened it, wrote or closed it, or it was unlinked). A host that can tell
   * (the simulated one) provides it; without it the reader polls.
   */
  readonly changed?: Effect.Effect<void>
  /** Closes the descriptor; later calls do nothing. */
  readonly close: Effect.Effect<void>
}

/** The filesystem the library works on. */
export class Filesystem extends Context.Tag("effect-libcontainer/Filesystem")<Filesystem, FilesystemService>() {}

/**
 * A directory opened for `flock(2)`: which inode it is, and the lock calls
 * on that open file description.
 */
export interface LockableDirectory {
  readonly ino: number
  readonly dev: number
  /** One `flock(LOCK_NB)` attempt: true when held, false when another open file description holds a conflicting lock. */
  readonly tryLock: (mode: LockMode) => Effect.Effect<boolean, SystemError>
  /**
   * Completes when a lock on the directory may have been dropped. A host
   * that can tell (the simulated one) provides it; without it the waiter polls.
   */
  readonly released?: Effect.Effect<void>
  /** Closes the description, which drops its lock; later calls do nothing. */
  readonly close: Effect.Effect<void>
}

/** `readFileInRoot`'s options as a host gets them: the size limit always set. */
export interface ReadInRootDefaults {
  readonly maxBytes: number
  readonly regularOnly?: boolean
}

/**
 * What a host provides: one function per system call, with Linux's errno
 * semantics and Go's op names in the errors. {@link make} builds the
 * service from them.
 */
export interface Syscalls {
  readonly lstat: FilesystemService["lstat"]
  readonly stat: FilesystemService["stat"]
  readonly readLink: FilesystemService["readLink"]
  readonly readDirectory: FilesystemService["readDirectory"]
  /** `getdents` in the directory's own order, at most `limit` entries (all when undefined). */
  readonly readDirectoryUnsorted: (
    path: string,
    limit: number | undefined
  ) => Effect.Effect<ReadonlyArray<DirectoryEntry>, SystemError>
  readonly mkdir: (path: string, mode: number) => Effect.Effect<void, SystemError>
  readonly unlink: (path: string) => Effect.Effect<void, SystemError>
  readonly rmdir: (path: string) => Effect.Effect<void, SystemError>
  readonly rename: FilesystemService["rename"]
  readonly symlink: FilesystemService["symlink"]
  readonly mkfifo: (path: string, mode: number) => Effect.Effect<void, SystemError>
  readonly chmod: FilesystemService["chmod"]
  /** `statfs(2)` of a path. */
  readonly statfs: FilesystemService["statfs"]
  /** open, read at most `maxBytes` (always given: the service supplies the default), close. */
  readonly readFile: (path: string, options: Required<ReadOptions>) => Effect.Effect<Uint8Array, SystemError>
  /** open, `fstatfs` the descriptor against `types`, read at most `maxBytes`, close. */
  readonly readFileOn: (
    path: string,
    types: ReadonlyArray<number>,
    options: Required<ReadOptions>
  ) => Effect.Effect<Uint8Array, SystemError | WrongFilesystem>
  /** open an existing file write-only, `fstatfs` the descriptor against `types`, write once, close. */
  readonly writeFileOn: FilesystemService["writeFileOn"]
  /** `open(path, O_RDONLY|O_DIRECTORY)` as a {@link DirectoryHandle} for the scope. */
  readonly openDirectory: FilesystemService["openDirectory"]
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
  readonly readFileInRoot: (
    root: string,
    unsafePath: string,
    options: ReadInRootDefaults
  ) => Effect.Effect<InRootFile, SystemError>
  /** `open(path, O_RDONLY|O_DIRECTORY)` for locking: ENOTDIR for anything but a directory. */
  readonly openLockable: (path: string) => Effect.Effect<LockableDirectory, SystemError>
  /** The synchronous calls of {@link FilesystemService.direct}. */
  readonly direct: DirectCalls
  // -- FIFO reading (exec.fifo) --
  /** `open(path, O_RDONLY|O_NONBLOCK)` of a FIFO (following symlinks); anything else is EINVAL, closed unread. */
  readonly openFifo: (path: string) => Effect.Effect<FifoDescriptor, SystemError>
}

/**
 * The service over a host's system calls. Calls that are one system call
 * are passed through as they are; the multi-step operations (Go's
 * `MkdirAll`, `Remove`, `RemoveAll`, the atomic replace, the confined
 * removal, the lock loop) are derived here, the same for every host.
 */
export const make: (syscalls: Syscalls) => FilesystemService = Internal.make
