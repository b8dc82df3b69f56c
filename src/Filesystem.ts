/**
 * The file operations the factory, the state writer and the cgroup, resctrl
 * and procfs code need — and nothing more. Two implementations sit behind this
 * one tag: {@link layerNode} (this host: node:fs plus `openat2(2)` through
 * koffi) and {@link layerMemory} (a POSIX-like in-memory tree that is part of
 * the simulated host).
 *
 * Every failure is a typed {@link SystemError} carrying the errno name, the
 * operation and the path, rendered like Go's `*os.PathError` so messages read
 * as runc's do.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { SystemError } from "./ContainerError.js"
import { syscallsOf } from "./internal/memory/MemoryFs.js"
import { MemoryHost, type SimulatedHost } from "./internal/memory/MemoryHost.js"
import * as NodeFilesystem from "./internal/node/NodeFilesystem.js"
import * as SyscallFilesystem from "./internal/SyscallFilesystem.js"

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

/** Options of `readFile` and `readFileInRoot`. */
export interface ReadOptions {
  /**
   * Fail with `EFBIG` instead of reading more than this many bytes. Guards
   * against a hostile state.json the size of the disk.
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
export const defaultLockTimeout: Duration.Duration = SyscallFilesystem.defaultLockTimeout

/** The result of reading a file inside a root. */
export interface InRootFile {
  /**
   * Where the file was found, as a path inside the root (the root followed by
   * the resolved, symlink-free components).
   */
  readonly path: string
  readonly content: Uint8Array
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
  /** `mkdir(2)`: one directory, `mode` before the umask. */
  readonly makeDirectory: (path: string, mode: number) => Effect.Effect<void, SystemError>
  /**
   * Go's `os.MkdirAll`: every missing component with `mode`; an existing
   * directory (or a symlink to one) is fine, an existing non-directory fails
   * with ENOTDIR.
   */
  readonly makeDirectoryAll: (path: string, mode: number) => Effect.Effect<void, SystemError>
  /** Reads a whole file (following symlinks). */
  readonly readFile: (path: string, options?: ReadOptions) => Effect.Effect<Uint8Array, SystemError>
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
  /** `rename(2)`. */
  readonly rename: (from: string, to: string) => Effect.Effect<void, SystemError>
  /** `unlink(2)` for non-directories, `rmdir(2)` for directories. */
  readonly remove: (path: string) => Effect.Effect<void, SystemError>
  /** Go's `os.RemoveAll`: a missing path is success; symlinks are removed, not followed. */
  readonly removeAll: (path: string) => Effect.Effect<void, SystemError>
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
}

/** The filesystem the library works on. */
export class Filesystem extends Context.Tag("effect-libcontainer/Filesystem")<Filesystem, FilesystemService>() {}

/**
 * The real host: node:fs, and `openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS)` through koffi for `readFileInRoot` (probed once;
 * without it, a userspace resolver that walks SecureJoin's way over
 * `O_PATH` fds and checks the result is still under the root).
 */
export const layerNode: Layer.Layer<Filesystem> = Layer.sync(
  Filesystem,
  () => SyscallFilesystem.make(NodeFilesystem.make())
)

/**
 * {@link layerNode} with options; `resolver: "userspace"` forces the
 * fallback `readFileInRoot` uses on kernels without openat2.
 */
export const layerNodeWith = (options: NodeFilesystem.NodeFilesystemOptions): Layer.Layer<Filesystem> =>
  Layer.sync(Filesystem, () => SyscallFilesystem.make(NodeFilesystem.make(options)))

/**
 * The filesystem of a given simulated host: Linux's errno semantics on an
 * in-memory tree. Each call runs when its effect runs, not when it is built.
 */
export const makeMemory = (host: SimulatedHost): FilesystemService => SyscallFilesystem.make(syscallsOf(host.fs))

/**
 * The filesystem of the `MemoryHost` in context — what
 * `Libcontainer.layerMemory` composes, so every memory service shares one host.
 */
export const layerMemoryOnHost: Layer.Layer<Filesystem, never, MemoryHost> = Layer.effect(
  Filesystem,
  Effect.map(MemoryHost, makeMemory)
)

/** The filesystem of a given simulated host, e.g. one made with `MemoryHost.make(seed)`. */
export const layerMemoryFrom = (host: SimulatedHost): Layer.Layer<Filesystem> =>
  Layer.succeed(Filesystem, makeMemory(host))

/**
 * A fresh simulated host (the default tree: `/proc/self/ns/*`, `/run`,
 * `/tmp`, `/sys/fs/cgroup`, umask 0o022, running as root) and its
 * filesystem. The host is provided too, for tests to seed and inspect.
 */
export const layerMemory: Layer.Layer<Filesystem | MemoryHost> = layerMemoryOnHost.pipe(
  Layer.provideMerge(Layer.sync(MemoryHost, () => MemoryHost.unsafeMake()))
)
