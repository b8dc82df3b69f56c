/**
 * The simulated host's filesystem: a POSIX-like inode tree with directories,
 * regular files, symlinks (and procfs-style magic links), FIFOs and character
 * devices, permission bits, owners, a umask and process credentials.
 *
 * Every operation mirrors the Linux system call it stands for, errno for
 * errno, including the order in which the kernel checks things (path walk,
 * then the last component, then permissions, then the operation's own rules).
 * Path resolution follows symlinks up to 40 times (`MAXSYMLINKS`), rejects a
 * component longer than 255 bytes and a path of 4096 bytes or more with
 * ENAMETOOLONG, and treats a trailing `/` as "must be a directory".
 *
 * Every inode belongs to a mounted filesystem with a type (`statfs(2)`'s
 * `f_type`) and a device number: the root is ext4, and a directory can be
 * the mount point of another ({@link MemoryFs.mount}, or `filesystem` in a
 * {@link SeedEntry}), whose type new inodes below it inherit. `rename`
 * across filesystems is EXDEV, as on Linux. The mounts form one mount
 * table, from which {@link MemoryFs.mountinfo} renders
 * `/proc/self/mountinfo`. A special filesystem (cgroupfs, resctrl, procfs)
 * mounts with a {@link FilesystemDriver} that decides what `mkdir`, `rmdir`
 * and file creation do in its tree; its files are device files whose
 * handlers compute what a read returns and act on what is written.
 *
 * Operations return `Either`s (which are Effects) carrying a
 * {@link SystemError} with the same `op` and `path` the node layer reports.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Scope from "effect/Scope"
import { SystemError } from "../ContainerError.js"
import type {
  DirectCalls,
  DirectoryEntry,
  DirectoryHandle,
  FifoDescriptor,
  FileInfo,
  InRootFile,
  LockableDirectory,
  ReadInRootDefaults,
  Syscalls,
  WriteFlag
} from "../Filesystem.js"
import { sortByName } from "../internal/byteOrder.js"
import { isComponent } from "../internal/filesystem.js"
import { EXT4_SUPER_MAGIC, nameOf as filesystemName, TMPFS_MAGIC, WrongFilesystem } from "../internal/filesystemType.js"
import { clean, inRootDisplayPath, join } from "../internal/path.js"

/** Linux's `MAXSYMLINKS`: symlinks one path resolution may follow. */
export const maxSymlinkFollows = 40
/** Linux's `NAME_MAX`. */
export const nameMax = 255
/** Linux's `PATH_MAX`, counting the terminating NUL. */
export const pathMax = 4096

/** The device number of the root filesystem's inodes. */
export const rootDevice = 0x10
const deviceNumber = rootDevice

/** A mounted filesystem of the simulated host: its type (`f_type`), the device number its inodes report, its driver. */
export interface MountedFilesystem {
  readonly type: number
  readonly dev: number
  /** Its entry in the mount table. */
  readonly mountId: number
  readonly driver?: FilesystemDriver
}

/** One line of the mount table, as `/proc/self/mountinfo` shows it. */
export interface MountEntry {
  readonly id: number
  /** The mount the mount point lies on (itself for the root). */
  readonly parent: number
  readonly dev: number
  /** The directory of the filesystem mounted here (`/`, or a cgroup for a container's view). */
  readonly root: string
  readonly mountpoint: string
  /** The per-mount options, e.g. `rw,nosuid,nodev,noexec,relatime`. */
  readonly options: string
  /** The filesystem type name, e.g. `cgroup2`. */
  readonly fstype: string
  readonly source: string
  /** The superblock options, e.g. `rw,nsdelegate` or `rw,cpu,cpuacct`. */
  readonly superOptions: string
}

/** What to mount: the filesystem type and how mountinfo describes it; only `type` is required. */
export interface MountSpec {
  /** `f_type`, e.g. `CGROUP2_SUPER_MAGIC`. */
  readonly type: number
  /** The type name; by default the usual name of `type` (`cgroup2`, `tmpfs`, …). */
  readonly fstype?: string
  /** The source field; by default the type name. */
  readonly source?: string
  /** Default `rw,relatime`. */
  readonly options?: string
  /** Default `rw`. */
  readonly superOptions?: string
  /** Default `/`. */
  readonly root?: string
  /** The device number its inodes report; a fresh one by default. */
  readonly device?: number
  readonly driver?: FilesystemDriver
}

/** A filesystem mounted read-only: every change to its tree is EROFS. */
export const readOnly: FilesystemDriver = {
  mkdir: () => Either.left("EROFS"),
  rmdir: () => "EROFS",
  create: "EROFS",
  unlink: "EROFS"
}

/**
 * How a special filesystem (cgroupfs, resctrl, procfs) answers the calls
 * that change its tree, as the kernel's own code for it would: each
 * answer is an errno to refuse with, or how to go ahead.
 */
export interface FilesystemDriver {
  /**
   * `mkdir(2)` of `name` in `parent`: an errno refuses (EPERM where the
   * filesystem makes no directories); otherwise the function fills the new
   * directory (a cgroup's control files, say).
   */
  readonly mkdir: (parent: DirectoryInode, name: string) => Either.Either<(dir: DirectoryInode) => void, string>
  /**
   * `rmdir(2)` of `dir`, the entry `name` of `parent`: an errno refuses
   * (EBUSY for a cgroup with members); undefined removes it with whatever
   * it holds — its control files are not entries a user made.
   */
  readonly rmdir: (parent: DirectoryInode, name: string, dir: DirectoryInode) => string | undefined
  /** The errno for creating a file, symlink or FIFO here (kernfs: EACCES). */
  readonly create: string
  /** The errno for unlinking or renaming an entry here (kernfs: EPERM). */
  readonly unlink: string
}

/**
 * Content behind a file or character device that is computed rather than
 * stored — what cgroupfs, procfs and resctrl files are. A handler fails with
 * an errno name (`"EBUSY"`, `"EINVAL"`, …), which reaches the caller as the
 * `read` or `write` error.
 */
export interface DeviceHandlers {
  /**
   * The content. `limit` is the most the reader takes (it fails with EFBIG
   * on more); an endless device such as `/dev/zero` returns that many bytes.
   */
  readonly read?: (limit: number) => Either.Either<Uint8Array, string>
  readonly write?: (data: Uint8Array) => Either.Either<void, string>
}

interface InodeFields {
  readonly ino: number
  mode: number
  uid: number
  gid: number
  nlink: number
  mtimeMs: number
  /** The filesystem the inode is on; set when it is linked into a directory. */
  fs: MountedFilesystem
}

/** A directory; `parent` is itself for the root. */
export interface DirectoryInode extends InodeFields {
  readonly type: "Directory"
  readonly entries: Map<string, Inode>
  parent: DirectoryInode
}

/** A regular file: stored bytes, or bytes produced by `device` handlers. */
export interface FileInode extends InodeFields {
  readonly type: "File"
  content: Uint8Array
  device?: DeviceHandlers
}

/**
 * A symlink. A magic link (procfs `/proc/<pid>/ns/*`, `/proc/<pid>/fd/*`)
 * reads as `target` but resolves straight to `magic`.
 */
export interface SymlinkInode extends InodeFields {
  readonly type: "SymbolicLink"
  readonly target: string
  readonly magic?: Inode
}

/** A named pipe; `pipe` holds its open ends and buffered bytes once anyone opened it. */
export interface FifoInode extends InodeFields {
  readonly type: "FIFO"
  pipe?: Pipe
}

/**
 * The kernel's pipe behind a FIFO: how many read and write ends are open,
 * the bytes written and not yet read, and who waits for a change (an end
 * opened or closed, bytes written, the FIFO unlinked).
 */
export class Pipe {
  /** Open read ends. */
  readers = 0
  /** Open write ends. */
  writers = 0
  /** Bumped on every change; a waiter compares it with what it last saw. */
  version = 0
  private buffered: Array<Uint8Array> = []
  private readonly listeners = new Set<() => void>()

  /** Bytes written and not yet read. */
  get size(): number {
    return this.buffered.reduce((n, chunk) => n + chunk.length, 0)
  }

  /** Appends bytes a writer wrote. */
  push(data: Uint8Array): void {
    if (data.length > 0) this.buffered.push(data.slice())
    this.changed()
  }

  /** Takes up to `max` buffered bytes. */
  take(max: number): Uint8Array {
    const out: Array<number> = []
    while (out.length < max && this.buffered.length > 0) {
      const head = this.buffered[0]!
      const n = Math.min(head.length, max - out.length)
      out.push(...head.subarray(0, n))
      if (n === head.length) this.buffered.shift()
      else this.buffered[0] = head.subarray(n)
    }
    return new Uint8Array(out)
  }

  /** Tells every waiter something changed. */
  changed(): void {
    this.version++
    for (const listener of [...this.listeners]) listener()
  }

  /** Calls `listener` on every change until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }
}

/**
 * One open end of a FIFO of the simulated host (an open file description):
 * a read end reads what write ends wrote; closing it once updates the
 * pipe's count of ends.
 */
export class FifoEnd {
  private open = true
  constructor(readonly node: FifoInode, readonly pipe: Pipe, readonly end: "read" | "write") {}

  /**
   * `read(2)` on a non-blocking read end: buffered bytes (at most `max`);
   * empty at end of file (no write end open, nothing buffered); `"again"`
   * (EAGAIN) while a write end is open with nothing buffered.
   */
  read(max: number): Uint8Array | "again" | "EBADF" {
    if (!this.open || this.end !== "read") return "EBADF"
    if (this.pipe.size > 0) {
      const data = this.pipe.take(max)
      this.pipe.changed()
      return data
    }
    return this.pipe.writers > 0 ? "again" : new Uint8Array(0)
  }

  /** `write(2)` on a write end: EPIPE once no read end is open. */
  write(data: Uint8Array): "ok" | "EPIPE" | "EBADF" {
    if (!this.open || this.end !== "write") return "EBADF"
    if (this.pipe.readers === 0) return "EPIPE"
    this.pipe.push(data)
    return "ok"
  }

  /** `close(2)`; later calls do nothing. */
  close(): void {
    if (!this.open) return
    this.open = false
    if (this.end === "read") this.pipe.readers--
    else this.pipe.writers--
    this.pipe.changed()
  }
}

/** A character device such as `/dev/null`: reads give `device.read` or nothing, writes are discarded. */
export interface CharacterDeviceInode extends InodeFields {
  readonly type: "CharacterDevice"
  readonly rdev: number
  device?: DeviceHandlers
}

/** Any inode of the tree. */
export type Inode = DirectoryInode | FileInode | SymlinkInode | FifoInode | CharacterDeviceInode

/** One entry to place in the tree when seeding, created as root with its mode verbatim (no umask). */
export type SeedEntry =
  | {
    readonly type: "dir"
    readonly path: string
    readonly mode?: number
    readonly uid?: number
    readonly gid?: number
    /**
     * Mount a fresh, empty filesystem of this type (`f_type`, e.g.
     * `TMPFS_MAGIC`) here: `statfs` and `fstatfs` below it report it. Only
     * for a directory the seed creates.
     */
    readonly filesystem?: number
    /** The device number of that filesystem's inodes; a fresh one by default. */
    readonly device?: number
    /**
     * That mount's options as `/proc/self/mountinfo` shows them; default
     * `rw,relatime`. With `ro` the filesystem refuses every change (EROFS).
     */
    readonly mountOptions?: string
  }
  | {
    readonly type: "file"
    readonly path: string
    readonly content?: string | Uint8Array
    readonly mode?: number
    readonly uid?: number
    readonly gid?: number
    readonly device?: DeviceHandlers
  }
  | { readonly type: "symlink"; readonly path: string; readonly target: string; readonly uid?: number; readonly gid?: number }
  | {
    readonly type: "magiclink"
    readonly path: string
    /** What `readlink` returns, e.g. `net:[4026531840]`. */
    readonly target: string
    /** Permission bits of the hidden inode the link resolves to (a regular file). */
    readonly mode?: number
  }
  | { readonly type: "fifo"; readonly path: string; readonly mode?: number; readonly uid?: number; readonly gid?: number }
  | {
    readonly type: "chardev"
    readonly path: string
    readonly major: number
    readonly minor: number
    readonly mode?: number
    readonly device?: DeviceHandlers
  }

/**
 * An open file description of the simulated host, as `flock(2)` sees it:
 * a lock belongs to one description, and closing it drops the lock.
 */
export class OpenFile {
  /** Set by {@link MemoryFs.close}; a closed description cannot lock (EBADF). */
  closed = false
  constructor(readonly node: Inode) {}
}

/** Who holds `flock` locks on one inode, and who waits to hear they were dropped. */
interface FlockState {
  exclusive: OpenFile | undefined
  readonly shared: Set<OpenFile>
  readonly waiters: Set<() => void>
}

/** The process the simulated filesystem serves: its credentials, umask and working directory. */
export interface MemoryFsOptions {
  readonly uid?: number
  readonly gid?: number
  readonly umask?: number
  readonly cwd?: string
  readonly now?: () => number
}

/** An errno raised inside a walk; turned into a SystemError with the caller's op and path. */
class Errno {
  constructor(readonly code: string) {}
}

const raise = (code: string): never => {
  throw new Errno(code)
}

type LastKind = "norm" | "dot" | "dotdot" | "root"

interface Parent {
  readonly dir: DirectoryInode
  readonly name: string
  readonly kind: LastKind
  readonly trailingSlash: boolean
}

interface Walk {
  /** The directory `/` and absolute symlinks lead to, and `..` stops at. */
  readonly scope: DirectoryInode
  /** Fail with ELOOP on a magic link (`RESOLVE_NO_MAGICLINKS`). */
  readonly noMagicLinks: boolean
  /** Fail with ELOOP on any symlink (`RESOLVE_NO_SYMLINKS`). */
  readonly noSymlinks?: boolean
  links: number
  /** Names from `scope` to the current inode, kept for scoped opens. */
  trail: Array<string> | undefined
}

const utf8 = new TextEncoder()
const byteLength = (s: string): number => utf8.encode(s).length

/** Path components; a trailing `/` becomes a final `.` so the last inode must be a directory. */
const componentsOf = (path: string): Array<string> => {
  const parts = path.split("/").filter((p) => p !== "")
  if (parts.length > 0 && path.endsWith("/")) parts.push(".")
  return parts
}

/** The in-memory filesystem; see the module documentation. */
export class MemoryFs {
  /** The credentials of the simulated process; 0 is root, which bypasses permission bits. */
  uid: number
  gid: number
  /** The process umask, applied to every mode a creating call asks for. */
  umask: number
  /** The working directory relative paths start from. */
  cwd: string
  readonly root: DirectoryInode
  private nextIno = 2
  private nextDevice = deviceNumber + 1
  private readonly mounts: Array<MountEntry> = []
  /** `flock` locks by inode; an entry goes when nobody holds or awaits a lock on it. */
  private readonly flocks = new Map<Inode, FlockState>()
  private readonly now: () => number

  constructor(options: MemoryFsOptions = {}) {
    this.uid = options.uid ?? 0
    this.gid = options.gid ?? 0
    this.umask = options.umask ?? 0o022
    this.cwd = options.cwd ?? "/"
    this.now = options.now ?? Date.now
    const root = {
      type: "Directory",
      ino: this.nextIno++,
      mode: 0o755,
      uid: 0,
      gid: 0,
      nlink: 2,
      mtimeMs: this.now(),
      fs: { type: EXT4_SUPER_MAGIC, dev: deviceNumber, mountId: 1 },
      entries: new Map<string, Inode>()
    } as Omit<DirectoryInode, "parent"> as DirectoryInode
    root.parent = root
    this.root = root
    this.mounts.push({
      id: 1,
      parent: 1,
      dev: deviceNumber,
      root: "/",
      mountpoint: "/",
      options: "rw,relatime",
      fstype: "ext4",
      source: "/dev/root",
      superOptions: "rw"
    })
  }

  // ---------------------------------------------------------------------------
  // System calls

  /** `lstat(2)`. */
  lstat(path: string): Either.Either<FileInfo, SystemError> {
    return this.run("lstat", path, () => this.info(this.resolve(path, false)))
  }

  /** `stat(2)`. */
  stat(path: string): Either.Either<FileInfo, SystemError> {
    return this.run("stat", path, () => this.info(this.resolve(path, true)))
  }

  /** `readlink(2)`: EINVAL when the inode is not a symlink. */
  readLink(path: string): Either.Either<string, SystemError> {
    return this.run("readlink", path, () => {
      const node = this.resolve(path, false)
      return node.type === "SymbolicLink" ? node.target : raise("EINVAL")
    })
  }

  /**
   * Go's `os.ReadDir`: `open` (needs read permission), then `getdents`, which
   * fails with ENOTDIR (op `readdirent`) on anything but a directory.
   */
  readDirectory(path: string): Either.Either<ReadonlyArray<DirectoryEntry>, SystemError> {
    return Either.flatMap(this.openForRead(path), (node) =>
      this.run("readdirent", path, () => {
        if (node.type !== "Directory") return raise("ENOTDIR")
        return sortByName([...node.entries].map(([name, child]): DirectoryEntry => ({ name, type: child.type })))
      }))
  }

  /**
   * `getdents(2)` in the directory's own order, at most `limit` entries:
   * creation order, newest first on tmpfs (as the kernel's tmpfs lists a
   * directory that has not been seeked in).
   */
  readDirectoryUnsorted(path: string, limit: number | undefined): Either.Either<ReadonlyArray<DirectoryEntry>, SystemError> {
    return Either.flatMap(this.openForRead(path), (node) =>
      this.run("readdirent", path, () => {
        if (node.type !== "Directory") return raise("ENOTDIR")
        const entries = [...node.entries].map(([name, child]): DirectoryEntry => ({ name, type: child.type }))
        if (node.fs.type === TMPFS_MAGIC) entries.reverse()
        return limit === undefined ? entries : entries.slice(0, limit)
      }))
  }

  /** `mkdir(2)`: `mode & ~umask`, setgid inherited from the parent; a special filesystem's driver may refuse or fill it. */
  mkdir(path: string, mode: number): Either.Either<void, SystemError> {
    return this.run("mkdir", path, () => {
      const parent = this.parentOf(path)
      if (parent.kind !== "norm") return raise("EEXIST")
      if (this.lookupLast(parent) !== undefined) return raise("EEXIST")
      this.mayCreate(parent.dir)
      const driver = parent.dir.fs.driver
      const fill = driver === undefined ? undefined : driver.mkdir(parent.dir, parent.name)
      if (fill !== undefined && Either.isLeft(fill)) return raise(fill.left)
      const dir = this.newDirectory(parent.dir, mode & 0o1777 & ~this.umask)
      if ((parent.dir.mode & 0o2000) !== 0) dir.mode |= 0o2000
      this.link(parent.dir, parent.name, dir)
      if (fill !== undefined) fill.right(dir)
    })
  }

  /** `unlink(2)`: EISDIR for a directory (Linux's answer), ENOTDIR for `file/`. */
  unlink(path: string): Either.Either<void, SystemError> {
    return this.run("unlink", path, () => {
      const parent = this.parentOf(path)
      if (parent.kind !== "norm") return raise("EISDIR")
      const victim = this.lookupLast(parent)
      if (parent.trailingSlash) {
        return raise(victim === undefined ? "ENOENT" : victim.type === "Directory" ? "EISDIR" : "ENOTDIR")
      }
      if (victim === undefined) return raise("ENOENT")
      this.mayDelete(parent.dir, victim)
      if (victim.type === "Directory") return raise("EISDIR")
      if (parent.dir.fs.driver !== undefined) return raise(parent.dir.fs.driver.unlink)
      this.unlinkEntry(parent.dir, parent.name)
    })
  }

  /** `rmdir(2)`: `.` is EINVAL, `..` ENOTEMPTY, `/` EBUSY, a non-directory ENOTDIR. */
  rmdir(path: string): Either.Either<void, SystemError> {
    return this.run("rmdir", path, () => {
      const parent = this.parentOf(path)
      if (parent.kind === "dotdot") return raise("ENOTEMPTY")
      if (parent.kind === "dot") return raise("EINVAL")
      if (parent.kind === "root") return raise("EBUSY")
      const victim = this.lookupLast(parent)
      if (victim === undefined) return raise("ENOENT")
      this.mayDelete(parent.dir, victim)
      if (victim.type !== "Directory") return raise("ENOTDIR")
      if (victim === this.root || victim.fs !== parent.dir.fs) return raise("EBUSY")
      this.removeDirectoryEntry(parent.dir, parent.name, victim)
    })
  }

  /**
   * `rename(2)`: replaces a file or an empty directory atomically; file over
   * directory is EISDIR, directory over file ENOTDIR, over a non-empty
   * directory ENOTEMPTY, into its own subtree EINVAL; renaming an inode onto
   * itself does nothing. Errors render as Go's `*os.LinkError`.
   */
  rename(from: string, to: string): Either.Either<void, SystemError> {
    return this.run("rename", from, () => {
      const source = this.parentOf(from)
      const target = this.parentOf(to)
      if (source.kind !== "norm" || target.kind !== "norm") return raise("EBUSY")
      const moving = this.lookupLast(source)
      if (moving === undefined) return raise("ENOENT")
      if (moving.type !== "Directory" && (source.trailingSlash || target.trailingSlash)) return raise("ENOTDIR")
      if (source.dir !== target.dir && moving.type === "Directory" && this.isAncestor(moving, target.dir)) {
        return raise("EINVAL")
      }
      const replaced = this.lookupLast(target)
      if (
        source.dir !== target.dir && replaced !== undefined && replaced.type === "Directory" &&
        this.isAncestor(replaced, source.dir)
      ) return raise("ENOTEMPTY")
      if (replaced === moving) return
      if (moving.fs !== source.dir.fs) return raise("EBUSY")
      if (moving.fs !== target.dir.fs) return raise("EXDEV")
      if (moving.fs.driver !== undefined) return raise(moving.fs.driver.unlink)
      this.mayDelete(source.dir, moving)
      if (replaced === undefined) {
        this.mayCreate(target.dir)
      } else {
        this.mayDelete(target.dir, replaced)
        if (moving.type === "Directory" && replaced.type !== "Directory") return raise("ENOTDIR")
        if (moving.type !== "Directory" && replaced.type === "Directory") return raise("EISDIR")
        if (replaced.type === "Directory" && replaced.entries.size > 0) return raise("ENOTEMPTY")
        this.unlinkEntry(target.dir, target.name)
      }
      this.unlinkEntry(source.dir, source.name)
      this.link(target.dir, target.name, moving)
    }, to)
  }

  /** `symlink(2)`: stores `target` verbatim; an empty target is ENOENT. Renders as Go's `*os.LinkError`. */
  symlink(target: string, path: string): Either.Either<void, SystemError> {
    return this.run("symlink", target, () => {
      if (target === "") return raise("ENOENT")
      this.checkPathString(target)
      const parent = this.parentOf(path)
      this.createLeaf(parent, () => this.newInode<SymlinkInode>({ type: "SymbolicLink", target, mode: 0o777 }))
    }, path)
  }

  /** `mkfifo(3)`: `mode & ~umask`. */
  mkfifo(path: string, mode: number): Either.Either<void, SystemError> {
    return this.run("mkfifo", path, () => {
      const parent = this.parentOf(path)
      this.createLeaf(parent, () => this.newInode<FifoInode>({ type: "FIFO", mode: mode & 0o7777 & ~this.umask }))
    })
  }

  /**
   * `open(path, O_RDONLY|O_NONBLOCK)` or `open(path, O_WRONLY|O_NONBLOCK)`
   * of a FIFO (following symlinks): the end is open at once. A write end
   * needs an open read end (ENXIO without one, as on Linux); anything but a
   * FIFO is EINVAL. A blocking open of a write end is
   * {@link MemoryFs.pipeOf} plus waiting for `readers > 0`.
   */
  openFifo(path: string, end: "read" | "write"): Either.Either<FifoEnd, SystemError> {
    return this.run("open", path, () => {
      const node = this.resolve(path, true)
      if (end === "read") this.mayRead(node)
      else this.mayWrite(node)
      if (node.type !== "FIFO") return raise("EINVAL")
      const pipe = (node.pipe ??= new Pipe())
      if (end === "write" && pipe.readers === 0) return raise("ENXIO")
      if (end === "read") pipe.readers++
      else pipe.writers++
      pipe.changed()
      return new FifoEnd(node, pipe, end)
    })
  }

  /** The pipe of the FIFO at `path` (following symlinks), for waiting on its changes. */
  pipeOf(path: string): Either.Either<Pipe, SystemError> {
    return this.run("open", path, () => {
      const node = this.resolve(path, true)
      if (node.type !== "FIFO") return raise("EINVAL")
      return (node.pipe ??= new Pipe())
    })
  }

  /** `chmod(2)`: follows symlinks; only the owner or root may change the mode (EPERM). */
  chmod(path: string, mode: number): Either.Either<void, SystemError> {
    return this.run("chmod", path, () => {
      const node = this.resolve(path, true)
      if (this.uid !== 0 && this.uid !== node.uid) return raise("EPERM")
      node.mode = mode & 0o7777
    })
  }

  /**
   * `open(O_RDONLY|O_NONBLOCK)` then `read` to EOF. A directory opens but
   * reads EISDIR; a FIFO has no writer, so it reads empty; more than
   * `maxBytes` is EFBIG.
   */
  readFile(path: string, options: { readonly maxBytes: number }): Either.Either<Uint8Array, SystemError> {
    return Either.flatMap(this.openForRead(path), (node) => this.readContent(node, path, options.maxBytes))
  }

  /** `statfs(2)`: the type of the filesystem `path` (followed) is on. */
  statfs(path: string): Either.Either<number, SystemError> {
    return this.run("statfs", path, () => this.resolve(path, true).fs.type)
  }

  /**
   * {@link MemoryFs.readFile} of a file that must be on one of `types`: the
   * opened inode's filesystem is checked before anything is read.
   */
  readFileOn(
    path: string,
    types: ReadonlyArray<number>,
    options: { readonly maxBytes: number }
  ): Either.Either<Uint8Array, SystemError | WrongFilesystem> {
    return Either.flatMap(
      this.openForRead(path),
      (node): Either.Either<Uint8Array, SystemError | WrongFilesystem> =>
        types.includes(node.fs.type)
          ? this.readContent(node, path, options.maxBytes)
          : Either.left(new WrongFilesystem({ op: "open", path, type: node.fs.type, expected: types }))
    )
  }

  /**
   * `open(O_WRONLY|O_NONBLOCK)` of an existing file that must be on one of
   * `types` (checked before anything is written), then one write.
   */
  writeFileOn(path: string, data: Uint8Array, types: ReadonlyArray<number>): Either.Either<void, SystemError | WrongFilesystem> {
    return Either.flatMap(
      this.run("open", path, () => this.openForWrite(path, "existing", 0)),
      (node): Either.Either<void, SystemError | WrongFilesystem> =>
        types.includes(node.fs.type)
          ? this.writeTo(node, path, data, "existing")
          : Either.left(new WrongFilesystem({ op: "open", path, type: node.fs.type, expected: types }))
    )
  }

  /**
   * `open(O_WRONLY|O_NONBLOCK|…)` for `flag`, then `write`. Creating follows a
   * dangling symlink and creates its target, as `O_CREAT` does; `exclusive`
   * never follows. A FIFO has no reader, so opening it for writing is ENXIO.
   */
  writeFile(path: string, data: Uint8Array, flag: WriteFlag, mode: number): Either.Either<void, SystemError> {
    return Either.flatMap(
      this.run("open", path, () => this.openForWrite(path, flag, mode)),
      (node) => this.writeTo(node, path, data, flag)
    )
  }

  private writeTo(node: Inode, path: string, data: Uint8Array, flag: WriteFlag): Either.Either<void, SystemError> {
    return this.run("write", path, () => {
      if (node.type === "FIFO") return node.pipe?.push(data)
      if (node.type === "File" || node.type === "CharacterDevice") {
        if (node.device?.write !== undefined) {
          const written = node.device.write(data)
          if (Either.isLeft(written)) return raise(written.left)
          return
        }
        if (node.type === "CharacterDevice") return
        node.content = flag === "existing" && node.content.length > data.length
          ? concat(data, node.content.subarray(data.length))
          : data.slice()
        node.mtimeMs = this.now()
      }
    })
  }

  /** `open(O_RDONLY|O_DIRECTORY)` + `fsync(2)`: checks the directory is there; the data is always "durable". */
  syncDirectory(path: string): Either.Either<void, SystemError> {
    return this.run("open", path, () => {
      if (this.resolve(path, true).type !== "Directory") raise("ENOTDIR")
    })
  }

  /**
   * `openat2(rootfd, unsafePath, O_RDONLY|O_NONBLOCK, RESOLVE_IN_ROOT |
   * RESOLVE_NO_MAGICLINKS)` and a read: `..`, `/` and absolute symlinks stop
   * at `root`, a missing component is ENOENT, a magic link ELOOP. With
   * `regularOnly`, anything but a regular file fails (EINVAL, or EISDIR).
   */
  readFileInRoot(
    root: string,
    unsafePath: string,
    options: ReadInRootDefaults
  ): Either.Either<InRootFile, SystemError> {
    const display = inRootDisplayPath(root, unsafePath)
    return Either.flatMap(
      this.run("open", root, () => {
        const dir = this.resolve(root, true)
        return dir.type === "Directory" ? dir : raise("ENOTDIR")
      }),
      (scope) =>
        Either.flatMap(
          this.run("openat2", display, () => {
            if (unsafePath === "") return raise("ENOENT")
            this.checkPathString(unsafePath)
            const walk: Walk = { scope, noMagicLinks: true, links: 0, trail: [] }
            const node = this.walk(scope, componentsOf(unsafePath), true, walk)
            this.mayRead(node)
            return { node, path: join(clean(root), (walk.trail ?? []).join("/")) }
          }),
          ({ node, path }) => {
            if (options.regularOnly === true && node.type !== "File" && node.type !== "Directory") {
              return Either.left(new SystemError({ op: "read", path: display, code: "EINVAL" }))
            }
            return Either.map(this.readContent(node, display, options.maxBytes), (content) => ({
              path,
              content,
              rootIdentity: { dev: scope.fs.dev, ino: scope.ino }
            }))
          }
        )
    )
  }

  /**
   * `openat2(root, unsafePath, O_RDONLY|O_NONBLOCK, RESOLVE_IN_ROOT |
   * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)` from an open directory,
   * then a read of a regular file only: any symlink on the way is ELOOP,
   * anything but a regular file EINVAL (unread), more than `maxBytes` EFBIG.
   */
  readFileBeneath(root: DirectoryInode, unsafePath: string, maxBytes: number): Either.Either<Uint8Array, SystemError> {
    return Either.flatMap(
      this.run("openat2", unsafePath, () => {
        if (unsafePath === "") return raise("ENOENT")
        this.checkPathString(unsafePath)
        const walk: Walk = { scope: root, noMagicLinks: true, noSymlinks: true, links: 0, trail: undefined }
        const node = this.walk(root, componentsOf(unsafePath), true, walk)
        this.mayRead(node)
        return node.type === "File" ? node : raise("EINVAL")
      }),
      (node) => this.readContent(node, unsafePath, maxBytes)
    )
  }

  /**
   * `open(path, O_RDONLY|O_DIRECTORY)`: follows symlinks; anything but a
   * directory is ENOTDIR (checked before permissions, as Linux does), a
   * directory without read permission EACCES.
   */
  openDirectory(path: string): Either.Either<OpenFile, SystemError> {
    return this.run("open", path, () => {
      const node = this.resolve(path, true)
      if (node.type !== "Directory") return raise("ENOTDIR")
      this.mayRead(node)
      return new OpenFile(node)
    })
  }

  /**
   * `open(path, O_RDONLY|O_DIRECTORY|O_NONBLOCK)` for descriptor-relative
   * work: follows symlinks; ENOTDIR for anything else, EACCES without read
   * permission.
   */
  directoryAt(path: string): Either.Either<DirectoryInode, SystemError> {
    return this.run("open", path, () => {
      const node = this.resolve(path, true)
      if (node.type !== "Directory") return raise("ENOTDIR")
      this.mayRead(node)
      return node
    })
  }

  /**
   * `openat(dir, name, O_RDONLY|O_DIRECTORY|O_NOFOLLOW)`: the entry itself,
   * never followed; a symlink or any other non-directory is ENOTDIR.
   */
  childDirectory(dir: DirectoryInode, name: string, path: string): Either.Either<DirectoryInode, SystemError> {
    return this.run("openat", path, () => {
      if (!isComponent(name)) return raise("EINVAL")
      this.maySearch(dir)
      const node = dir.entries.get(name)
      if (node === undefined) return raise("ENOENT")
      if (node.type !== "Directory") return raise("ENOTDIR")
      this.mayRead(node)
      return node
    })
  }

  /** `getdents(2)` on an open directory: its entries, sorted by name. */
  entriesOf(dir: DirectoryInode): ReadonlyArray<DirectoryEntry> {
    return sortByName([...dir.entries].map(([name, child]): DirectoryEntry => ({ name, type: child.type })))
  }

  /**
   * `unlinkat(dir, name, AT_REMOVEDIR)` (`directory`) or `unlinkat(dir,
   * name, 0)`: rmdir's and unlink's rules on the entry of an open directory;
   * a mount point is EBUSY.
   */
  removeEntry(dir: DirectoryInode, name: string, directory: boolean, path: string): Either.Either<void, SystemError> {
    return this.run(directory ? "rmdir" : "unlinkat", path, () => {
      if (!isComponent(name)) return raise("EINVAL")
      this.maySearch(dir)
      const victim = dir.entries.get(name)
      if (victim === undefined) return raise("ENOENT")
      this.mayDelete(dir, victim)
      if (!directory) {
        if (victim.type === "Directory") return raise("EISDIR")
        if (dir.fs.driver !== undefined) return raise(dir.fs.driver.unlink)
        this.unlinkEntry(dir, name)
        return
      }
      if (victim.type !== "Directory") return raise("ENOTDIR")
      if (victim.fs !== dir.fs) return raise("EBUSY")
      this.removeDirectoryEntry(dir, name, victim)
    })
  }

  /** The last step of an `rmdir`: ENOTEMPTY for a directory with entries, unless the filesystem's driver decides. */
  private removeDirectoryEntry(dir: DirectoryInode, name: string, victim: DirectoryInode): void {
    const driver = dir.fs.driver
    if (driver !== undefined) {
      const refused = driver.rmdir(dir, name, victim)
      if (refused !== undefined) return raise(refused)
    } else if (victim.entries.size > 0) {
      return raise("ENOTEMPTY")
    }
    this.unlinkEntry(dir, name)
  }

  /**
   * `flock(fd, LOCK_EX|LOCK_NB)` or `LOCK_SH|LOCK_NB` on an open
   * description: true when held, false (EWOULDBLOCK) when another
   * description holds a conflicting lock. As on Linux, asking again with
   * the other mode converts the lock, and a conversion that cannot be
   * granted loses the lock held before.
   */
  flock(file: OpenFile, mode: "exclusive" | "shared", path: string): Either.Either<boolean, SystemError> {
    return this.run("flock", path, () => {
      if (file.closed) return raise("EBADF")
      const state = this.flockState(file.node)
      const heldByOthers = (state.exclusive !== undefined && state.exclusive !== file) ||
        (mode === "exclusive" && [...state.shared].some((f) => f !== file))
      if (mode === "exclusive" ? state.exclusive === file : state.shared.has(file)) return true
      if (state.exclusive === file || state.shared.has(file)) this.dropLock(file)
      if (heldByOthers) return false
      if (mode === "exclusive") state.exclusive = file
      else state.shared.add(file)
      return true
    })
  }

  /** `close(2)` of a description: drops its lock and wakes the waiters; closing twice does nothing. */
  close(file: OpenFile): void {
    if (file.closed) return
    file.closed = true
    this.dropLock(file)
  }

  /** Calls `listener` once, the next time a lock on `node` is dropped; returns how to stop waiting. */
  onUnlock(node: Inode, listener: () => void): () => void {
    const state = this.flockState(node)
    state.waiters.add(listener)
    return () => {
      state.waiters.delete(listener)
      this.forgetIfIdle(node, state)
    }
  }

  // ---------------------------------------------------------------------------
  // Mounts

  /**
   * Mounts a fresh, empty filesystem on the directory at `path` (which must
   * exist and be empty): `statfs` and `fstatfs` below it report its type,
   * its inodes its device, and the mount table gets its line.
   */
  mount(path: string, spec: MountSpec): Either.Either<DirectoryInode, SystemError> {
    return this.run("mount", path, () => {
      const dir = this.resolveAsRoot(path)
      if (dir.type !== "Directory") return raise("ENOTDIR")
      this.mountOn(dir, clean(path.startsWith("/") ? path : `/${path}`), spec)
      return dir
    })
  }

  private mountOn(dir: DirectoryInode, mountpoint: string, spec: MountSpec): void {
    if (dir.entries.size > 0) return raise("EBUSY")
    const id = this.mounts.length === 0 ? 1 : Math.max(...this.mounts.map((m) => m.id)) + 1
    const dev = spec.device ?? this.nextDevice++
    const fstype = spec.fstype ?? filesystemName(spec.type)
    this.mounts.push({
      id,
      parent: dir.parent.fs.mountId,
      dev,
      root: spec.root ?? "/",
      mountpoint,
      options: spec.options ?? "rw,relatime",
      fstype,
      source: spec.source ?? fstype,
      superOptions: spec.superOptions ?? "rw"
    })
    dir.fs = spec.driver === undefined ? { type: spec.type, dev, mountId: id } : { type: spec.type, dev, mountId: id, driver: spec.driver }
  }

  /** The mount table as `/proc/self/mountinfo` prints it, paths octal-escaped as the kernel does. */
  mountinfo(): string {
    return this.mounts.map((m) =>
      `${m.id} ${m.parent} ${m.dev >> 8}:${m.dev & 0xff} ${escapeMountField(m.root)} ${escapeMountField(m.mountpoint)} ` +
      `${m.options} - ${m.fstype} ${escapeMountField(m.source)} ${m.superOptions}\n`
    ).join("")
  }

  // ---------------------------------------------------------------------------
  // What drivers build their trees with (as the kernel, not as the process)

  /** Adds a directory `name` to `dir`, whatever its filesystem's rules; the caller made sure the name is free. */
  addDirectory(dir: DirectoryInode, name: string, mode: number): DirectoryInode {
    const child = this.newDirectory(dir, mode)
    child.uid = 0
    child.gid = 0
    this.link(dir, name, child)
    return child
  }

  /** Adds a device file `name` to `dir`: reads and writes go to `device`. */
  addDeviceFile(dir: DirectoryInode, name: string, mode: number, device: DeviceHandlers): FileInode {
    const file = this.newInode<FileInode>({ type: "File", content: new Uint8Array(0), mode })
    file.device = device
    file.uid = 0
    file.gid = 0
    this.link(dir, name, file)
    return file
  }

  /** Adds a symlink `name` to `dir`, pointing at `target` (stored verbatim). */
  addSymlink(dir: DirectoryInode, name: string, target: string): SymlinkInode {
    const link = this.newInode<SymlinkInode>({ type: "SymbolicLink", target, mode: 0o777 })
    link.uid = 0
    link.gid = 0
    this.link(dir, name, link)
    return link
  }

  /**
   * Adds a procfs-style magic link `name` to `dir`: `readlink` gives
   * `target` (e.g. `net:[4026531840]`), while resolving it leads straight
   * to a hidden regular file with `mode` — no path is walked.
   */
  addMagicLink(dir: DirectoryInode, name: string, target: string, mode: number): SymlinkInode {
    const hidden = this.newInode<FileInode>({ type: "File", content: new Uint8Array(0), mode })
    hidden.uid = 0
    hidden.gid = 0
    hidden.nlink = 1
    const link = this.newInode<SymlinkInode>({ type: "SymbolicLink", target, mode: 0o777, magic: hidden })
    link.uid = 0
    link.gid = 0
    this.link(dir, name, link)
    return link
  }

  /** Removes the entry `name` of `dir` (a directory with whatever it holds), whatever its filesystem's rules. */
  dropEntry(dir: DirectoryInode, name: string): void {
    this.unlinkEntry(dir, name)
  }

  // ---------------------------------------------------------------------------
  // Seeding and inspection (setup code, not system calls)

  /**
   * Places entries in the tree as root, in order: missing parents become
   * `0o755` directories, modes are taken verbatim, an existing directory
   * entry only gets its mode and owner updated, anything else existing is
   * EEXIST.
   */
  seed(entries: ReadonlyArray<SeedEntry>): Either.Either<void, SystemError> {
    for (const entry of entries) {
      const result = this.run("seed", entry.path, () => this.seedOne(entry))
      if (Either.isLeft(result)) return result
    }
    return Either.void
  }

  /** The inode at `path` (following symlinks when `follow`), resolved as root, or undefined. */
  inodeAt(path: string, follow = true): Inode | undefined {
    try {
      return this.resolveAsRoot(path, follow)
    } catch (e) {
      if (e instanceof Errno) return undefined
      throw e
    }
  }

  /** Runs `body` with root's credentials (setup code and drivers act as the kernel, not as the process). */
  asRoot<A>(body: () => A): A {
    const saved = { uid: this.uid, gid: this.gid }
    this.uid = 0
    this.gid = 0
    try {
      return body()
    } finally {
      this.uid = saved.uid
      this.gid = saved.gid
    }
  }

  private resolveAsRoot(path: string, follow = true): Inode {
    const saved = this.uid
    this.uid = 0
    try {
      return this.resolve(path, follow)
    } finally {
      this.uid = saved
    }
  }

  // ---------------------------------------------------------------------------
  // Path walking

  private run<A>(op: string, path: string, body: () => A, path2?: string): Either.Either<A, SystemError> {
    try {
      return Either.right(body())
    } catch (e) {
      if (e instanceof Errno) {
        return Either.left(
          new SystemError(path2 === undefined ? { op, path, code: e.code } : { op, path, path2, code: e.code })
        )
      }
      throw e
    }
  }

  private checkPathString(path: string): void {
    if (path.includes("\0")) raise("EINVAL")
    if (byteLength(path) >= pathMax) raise("ENAMETOOLONG")
  }

  private startOf(path: string): DirectoryInode {
    if (path.startsWith("/")) return this.root
    const cwd = this.walk(this.root, componentsOf(this.cwd), true, this.plainWalk())
    return cwd.type === "Directory" ? cwd : raise("ENOENT")
  }

  private plainWalk(): Walk {
    return { scope: this.root, noMagicLinks: false, links: 0, trail: undefined }
  }

  /** Full resolution; `follow` decides whether a final symlink is followed. */
  private resolve(path: string, follow: boolean): Inode {
    if (path === "") return raise("ENOENT")
    this.checkPathString(path)
    return this.walk(this.startOf(path), componentsOf(path), follow, this.plainWalk())
  }

  /**
   * The kernel's `link_path_walk` plus the last lookup: every step needs a
   * searchable directory; symlinks in the middle are always followed, the
   * last one only when `follow`.
   */
  private walk(start: DirectoryInode, components: ReadonlyArray<string>, follow: boolean, walk: Walk): Inode {
    const pending = [...components].reverse()
    let current: Inode = start
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (current.type !== "Directory") return raise("ENOTDIR")
      this.maySearch(current)
      if (name === ".") continue
      if (name === "..") {
        if (current !== walk.scope) {
          current = current.parent
          walk.trail?.pop()
        }
        continue
      }
      if (byteLength(name) > nameMax) return raise("ENAMETOOLONG")
      const child: Inode | undefined = current.entries.get(name)
      if (child === undefined) return raise("ENOENT")
      if (child.type === "SymbolicLink" && (pending.length > 0 || follow)) {
        if (walk.noSymlinks === true) return raise("ELOOP")
        if (++walk.links > maxSymlinkFollows) return raise("ELOOP")
        if (child.magic !== undefined) {
          if (walk.noMagicLinks) return raise("ELOOP")
          current = child.magic
          walk.trail = undefined
          continue
        }
        if (child.target.startsWith("/")) {
          current = walk.scope
          if (walk.trail !== undefined) walk.trail = []
        }
        pending.push(...componentsOf(child.target).reverse())
        continue
      }
      current = child
      walk.trail?.push(name)
    }
    return current
  }

  /** The kernel's `filename_parentat`: walks to the parent, leaving the last component unresolved. */
  private parentOf(path: string, from?: DirectoryInode, walk: Walk = this.plainWalk()): Parent {
    if (path === "") return raise("ENOENT")
    this.checkPathString(path)
    const start = path.startsWith("/") ? walk.scope : from ?? this.startOf(path)
    const parts = path.split("/").filter((p) => p !== "")
    const name = parts.pop()
    if (name === undefined) return { dir: start, name: "/", kind: "root", trailingSlash: false }
    const dir = this.walk(start, parts, true, walk)
    if (dir.type !== "Directory") return raise("ENOTDIR")
    this.maySearch(dir)
    const kind: LastKind = name === "." ? "dot" : name === ".." ? "dotdot" : "norm"
    return { dir, name, kind, trailingSlash: path.endsWith("/") }
  }

  private lookupLast(parent: Parent): Inode | undefined {
    if (byteLength(parent.name) > nameMax) return raise("ENAMETOOLONG")
    return parent.dir.entries.get(parent.name)
  }

  private isAncestor(dir: DirectoryInode, of: DirectoryInode): boolean {
    for (let d = of; ; d = d.parent) {
      if (d === dir) return true
      if (d.parent === d) return false
    }
  }

  // ---------------------------------------------------------------------------
  // Opening

  private openForRead(path: string): Either.Either<Inode, SystemError> {
    return this.run("open", path, () => {
      const node = this.resolve(path, true)
      this.mayRead(node)
      return node
    })
  }

  private readContent(node: Inode, path: string, maxBytes: number): Either.Either<Uint8Array, SystemError> {
    return this.run("read", path, () => {
      let content: Uint8Array
      switch (node.type) {
        case "Directory":
          return raise("EISDIR")
        case "File":
        case "CharacterDevice": {
          if (node.device?.read !== undefined) {
            const produced = node.device.read(maxBytes + 1)
            content = Either.isLeft(produced) ? raise(produced.left) : produced.right
          } else {
            content = node.type === "File" ? node.content : new Uint8Array(0)
          }
          break
        }
        case "FIFO": {
          // a non-blocking read: what is buffered once every writer is gone, EAGAIN while one is there
          const pipe = node.pipe
          if (pipe !== undefined && pipe.writers > 0) return raise("EAGAIN")
          content = pipe === undefined ? new Uint8Array(0) : pipe.take(maxBytes + 1)
          break
        }
        default:
          content = new Uint8Array(0)
      }
      if (content.length > maxBytes) return raise("EFBIG")
      return content.slice()
    })
  }

  /** The kernel's `open_last_lookups` + `do_open` for a write-only open. */
  private openForWrite(path: string, flag: WriteFlag, mode: number): Inode {
    let node: Inode
    if (flag === "existing") {
      node = this.resolve(path, true)
    } else {
      const walk = this.plainWalk()
      let parent = this.parentOf(path, undefined, walk)
      for (;;) {
        if (parent.kind !== "norm") return raise(flag === "exclusive" ? "EEXIST" : "EISDIR")
        if (parent.trailingSlash) return raise("EISDIR")
        const existing = this.lookupLast(parent)
        if (existing === undefined) {
          this.mayCreate(parent.dir)
          if (parent.dir.fs.driver !== undefined) return raise(parent.dir.fs.driver.create)
          const file = this.newInode<FileInode>({ type: "File", content: new Uint8Array(0), mode: mode & 0o7777 & ~this.umask })
          if ((parent.dir.mode & 0o2000) !== 0) file.gid = parent.dir.gid
          this.link(parent.dir, parent.name, file)
          return file
        }
        if (flag === "exclusive") return raise("EEXIST")
        if (existing.type !== "SymbolicLink") {
          node = existing
          break
        }
        if (++walk.links > maxSymlinkFollows) return raise("ELOOP")
        if (existing.magic !== undefined) {
          node = existing.magic
          break
        }
        parent = this.parentOf(existing.target, parent.dir, walk)
      }
    }
    if (node.type === "Directory") return raise("EISDIR")
    this.mayWrite(node)
    if (node.type === "FIFO" && (node.pipe?.readers ?? 0) === 0) return raise("ENXIO")
    // kernfs (a driver's filesystem): a file without a write handler cannot be opened for writing, even by root
    if (node.type === "File" && node.fs.driver !== undefined && node.device?.write === undefined) return raise("EACCES")
    if (flag === "truncate" && node.type === "File" && node.device === undefined) node.content = new Uint8Array(0)
    return node
  }

  // ---------------------------------------------------------------------------
  // Permissions (root bypasses them, as CAP_DAC_OVERRIDE does)

  private permits(node: Inode, want: number): boolean {
    if (this.uid === 0) return true
    const bits = node.uid === this.uid ? node.mode >> 6 : node.gid === this.gid ? node.mode >> 3 : node.mode
    return (bits & want) === want
  }

  private maySearch(dir: DirectoryInode): void {
    if (!this.permits(dir, 1)) raise("EACCES")
  }

  private mayRead(node: Inode): void {
    if (!this.permits(node, 4)) raise("EACCES")
  }

  private mayWrite(node: Inode): void {
    if (!this.permits(node, 2)) raise("EACCES")
  }

  private mayCreate(dir: DirectoryInode): void {
    if (!this.permits(dir, 3)) raise("EACCES")
  }

  private mayDelete(dir: DirectoryInode, victim: Inode): void {
    this.mayCreate(dir)
    const sticky = (dir.mode & 0o1000) !== 0
    if (sticky && this.uid !== 0 && this.uid !== dir.uid && this.uid !== victim.uid) raise("EPERM")
  }

  // ---------------------------------------------------------------------------
  // flock

  private flockState(node: Inode): FlockState {
    let state = this.flocks.get(node)
    if (state === undefined) {
      state = { exclusive: undefined, shared: new Set(), waiters: new Set() }
      this.flocks.set(node, state)
    }
    return state
  }

  private dropLock(file: OpenFile): void {
    const state = this.flocks.get(file.node)
    if (state === undefined) return
    const held = state.exclusive === file || state.shared.has(file)
    if (state.exclusive === file) state.exclusive = undefined
    state.shared.delete(file)
    if (held) {
      const waiters = [...state.waiters]
      state.waiters.clear()
      for (const wake of waiters) wake()
    }
    this.forgetIfIdle(file.node, state)
  }

  private forgetIfIdle(node: Inode, state: FlockState): void {
    if (state.exclusive === undefined && state.shared.size === 0 && state.waiters.size === 0) this.flocks.delete(node)
  }

  // ---------------------------------------------------------------------------
  // Tree mutation

  private newInode<T extends Exclude<Inode, DirectoryInode>>(
    fields: Omit<T, "ino" | "uid" | "gid" | "nlink" | "mtimeMs" | "fs">
  ): T {
    return { ...fields, ino: this.nextIno++, uid: this.uid, gid: this.gid, nlink: 0, mtimeMs: this.now(), fs: this.root.fs } as T
  }

  private newDirectory(parent: DirectoryInode, mode: number): DirectoryInode {
    return {
      type: "Directory",
      ino: this.nextIno++,
      mode,
      uid: this.uid,
      gid: (parent.mode & 0o2000) !== 0 ? parent.gid : this.gid,
      nlink: 0,
      mtimeMs: this.now(),
      fs: parent.fs,
      entries: new Map(),
      parent
    }
  }

  /** `filename_create` for non-directories: `.`/`..` and existing names are EEXIST, `name/` is ENOENT. */
  private createLeaf(parent: Parent, make: () => Exclude<Inode, DirectoryInode>): void {
    if (parent.kind !== "norm") raise("EEXIST")
    if (this.lookupLast(parent) !== undefined) raise("EEXIST")
    if (parent.trailingSlash) raise("ENOENT")
    this.mayCreate(parent.dir)
    if (parent.dir.fs.driver !== undefined) raise(parent.dir.fs.driver.create)
    const node = make()
    if ((parent.dir.mode & 0o2000) !== 0) node.gid = parent.dir.gid
    this.link(parent.dir, parent.name, node)
  }

  private link(dir: DirectoryInode, name: string, node: Inode): void {
    dir.entries.set(name, node)
    node.fs = dir.fs
    if (node.type === "SymbolicLink" && node.magic !== undefined) node.magic.fs = dir.fs
    dir.mtimeMs = this.now()
    if (node.type === "Directory") {
      node.parent = dir
      node.nlink = 2 + [...node.entries.values()].filter((e) => e.type === "Directory").length
      dir.nlink++
    } else {
      node.nlink++
    }
  }

  private unlinkEntry(dir: DirectoryInode, name: string): void {
    const node = dir.entries.get(name)
    if (node === undefined) return
    dir.entries.delete(name)
    if (node.type === "FIFO") node.pipe?.changed()
    dir.mtimeMs = this.now()
    if (node.type === "Directory") {
      dir.nlink--
      node.nlink = 0
    } else {
      node.nlink--
    }
  }

  private seedOne(entry: SeedEntry): void {
    const saved = { uid: this.uid, gid: this.gid }
    this.uid = 0
    this.gid = 0
    try {
      const parentPath = clean(`/${entry.path}/..`)
      const name = clean(`/${entry.path}`).split("/").pop() ?? ""
      const dir = this.ensureDirectory(parentPath)
      const existing = dir.entries.get(name)
      if (entry.type === "dir") {
        const target = existing ?? this.seedDirectory(dir, name)
        if (target.type !== "Directory") return raise("EEXIST")
        if (entry.filesystem !== undefined) {
          this.mountOn(target, clean(`/${entry.path}`), {
            type: entry.filesystem,
            ...(entry.device === undefined ? {} : { device: entry.device }),
            ...(entry.mountOptions === undefined ? {} : { options: entry.mountOptions }),
            ...(entry.mountOptions?.split(",").includes("ro") === true ? { driver: readOnly } : {})
          })
        }
        target.mode = entry.mode ?? 0o755
        target.uid = entry.uid ?? 0
        target.gid = entry.gid ?? 0
        return
      }
      if (name === "" || existing !== undefined) raise("EEXIST")
      const node = this.seedLeaf(entry)
      node.uid = ("uid" in entry ? entry.uid : undefined) ?? 0
      node.gid = ("gid" in entry ? entry.gid : undefined) ?? 0
      this.link(dir, name, node)
    } finally {
      this.uid = saved.uid
      this.gid = saved.gid
    }
  }

  private seedLeaf(entry: Exclude<SeedEntry, { type: "dir" }>): Exclude<Inode, DirectoryInode> {
    switch (entry.type) {
      case "file": {
        const content = typeof entry.content === "string" ? utf8.encode(entry.content) : entry.content?.slice()
        const file = this.newInode<FileInode>({ type: "File", content: content ?? new Uint8Array(0), mode: entry.mode ?? 0o644 })
        if (entry.device !== undefined) file.device = entry.device
        return file
      }
      case "symlink":
        if (entry.target === "") raise("ENOENT")
        return this.newInode<SymlinkInode>({ type: "SymbolicLink", target: entry.target, mode: 0o777 })
      case "magiclink": {
        const hidden = this.newInode<FileInode>({ type: "File", content: new Uint8Array(0), mode: entry.mode ?? 0o444 })
        hidden.nlink = 1
        return this.newInode<SymlinkInode>({ type: "SymbolicLink", target: entry.target, mode: 0o777, magic: hidden })
      }
      case "fifo":
        return this.newInode<FifoInode>({ type: "FIFO", mode: entry.mode ?? 0o644 })
      case "chardev": {
        const dev = this.newInode<CharacterDeviceInode>({
          type: "CharacterDevice",
          rdev: entry.major * 256 + entry.minor,
          mode: entry.mode ?? 0o666
        })
        if (entry.device !== undefined) dev.device = entry.device
        return dev
      }
    }
  }

  private seedDirectory(parent: DirectoryInode, name: string): DirectoryInode {
    const dir = this.newDirectory(parent, 0o755)
    this.link(parent, name, dir)
    return dir
  }

  private ensureDirectory(path: string): DirectoryInode {
    let dir = this.root
    for (const name of componentsOf(path)) {
      const next = dir.entries.has(name) ? this.walk(dir, [name], true, this.plainWalk()) : this.seedDirectory(dir, name)
      if (next.type !== "Directory") return raise("ENOTDIR")
      dir = next
    }
    return dir
  }

  /** `fstat(2)` of an inode the caller holds. */
  infoOf(node: Inode): FileInfo {
    return this.info(node)
  }

  private info(node: Inode): FileInfo {
    const size = node.type === "File"
      ? node.content.length
      : node.type === "SymbolicLink"
      ? byteLength(node.target)
      : node.type === "Directory"
      ? 4096
      : 0
    return {
      type: node.type,
      mode: node.mode & 0o7777,
      uid: node.uid,
      gid: node.gid,
      size,
      ino: node.ino,
      dev: node.fs.dev,
      nlink: node.nlink,
      mtimeMs: node.mtimeMs
    }
  }
}

/** mountinfo's octal escaping of a path field: space, tab, newline and backslash. */
const escapeMountField = (field: string): string =>
  field.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`)

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/**
 * A MemoryFs's calls as the Filesystem port's system calls (the simulated
 * host's filesystem adapter); each runs when its effect runs, not when it is
 * built.
 */
export const syscallsOf = (fs: MemoryFs): Syscalls => ({
  lstat: (path) => Effect.suspend(() => fs.lstat(path)),
  stat: (path) => Effect.suspend(() => fs.stat(path)),
  readLink: (path) => Effect.suspend(() => fs.readLink(path)),
  readDirectory: (path) => Effect.suspend(() => fs.readDirectory(path)),
  readDirectoryUnsorted: (path, limit) => Effect.suspend(() => fs.readDirectoryUnsorted(path, limit)),
  mkdir: (path, mode) => Effect.suspend(() => fs.mkdir(path, mode)),
  unlink: (path) => Effect.suspend(() => fs.unlink(path)),
  rmdir: (path) => Effect.suspend(() => fs.rmdir(path)),
  rename: (from, to) => Effect.suspend(() => fs.rename(from, to)),
  symlink: (target, path) => Effect.suspend(() => fs.symlink(target, path)),
  mkfifo: (path, mode) => Effect.suspend(() => fs.mkfifo(path, mode)),
  chmod: (path, mode) => Effect.suspend(() => fs.chmod(path, mode)),
  statfs: (path) => Effect.suspend(() => fs.statfs(path)),
  readFile: (path, options) => Effect.suspend(() => fs.readFile(path, options)),
  readFileOn: (path, types, options) => Effect.suspend(() => fs.readFileOn(path, types, options)),
  writeFile: (path, data, flag, mode) => Effect.suspend(() => fs.writeFile(path, data, flag, mode)),
  writeFileOn: (path, data, types) => Effect.suspend(() => fs.writeFileOn(path, data, types)),
  openDirectory: (path) => Effect.suspend(() => openHandle(fs, fs.directoryAt(path), path)),
  syncDirectory: (path) => Effect.suspend(() => fs.syncDirectory(path)),
  readFileInRoot: (root, unsafePath, options) => Effect.suspend(() => fs.readFileInRoot(root, unsafePath, options)),
  openLockable: (path) => Effect.suspend(() => Either.map(fs.openDirectory(path), (file) => lockableOf(fs, file, path))),
  direct: directCallsOf(fs),
  openFifo: (path) => Effect.suspend(() => Either.map(fs.openFifo(path, "read"), (end) => fifoDescriptorOf(end, path)))
})

/** The errno name of a failed call, or its value. */
const codeOr = <A>(result: Either.Either<A, SystemError>): A | string =>
  Either.isRight(result) ? result.right : result.left.code

/**
 * A MemoryFs's calls as the port's direct calls: the same inode walks as
 * the effectful ones, failures reduced to their errno names.
 */
export const directCallsOf = (fs: MemoryFs): DirectCalls => ({
  openRoot: (path) => {
    const opened = fs.directoryAt(path)
    if (Either.isLeft(opened)) return opened.left.code
    const dir = opened.right
    let open = true
    return {
      identity: { dev: dir.fs.dev, ino: dir.ino },
      readFile: (parent, name, maxBytes) => open ? codeOr(fs.readFileBeneath(dir, `${parent}/${name}`, maxBytes)) : "EBADF",
      close: () => {
        open = false
      }
    }
  },
  readFileOn: (path, types, maxBytes) => {
    const read = fs.readFileOn(path, types, { maxBytes })
    if (Either.isRight(read)) return read.right
    return read.left._tag === "WrongFilesystem" ? read.left.type : read.left.code
  },
  stat: (path) => codeOr(fs.stat(path)),
  lstat: (path) => codeOr(fs.lstat(path)),
  readDirectory: (path) => codeOr(fs.readDirectory(path)),
  readFile: (path, maxBytes) => codeOr(fs.readFile(path, { maxBytes })),
  mkdir: (path, mode) => {
    const made = fs.mkdir(path, mode)
    return Either.isRight(made) ? undefined : made.left.code
  },
  tryLockDirectory: (path, mode) => {
    const opened = fs.openDirectory(path)
    if (Either.isLeft(opened)) return opened.left.code
    const file = opened.right
    const fail = (why: string): string => {
      fs.close(file)
      return why
    }
    const locked = fs.flock(file, mode, path)
    if (Either.isLeft(locked)) return fail(locked.left.code)
    if (!locked.right) return fail("busy")
    const now = fs.stat(path)
    if (Either.isLeft(now)) return fail(now.left.code)
    if (now.right.ino !== file.node.ino || now.right.dev !== file.node.fs.dev) return fail("replaced")
    return { release: () => fs.close(file) }
  }
})

/**
 * A read end as the FIFO reader of the Filesystem port uses it; `changed`
 * completes as soon as the pipe changed since the last read, so the reader
 * never polls and never misses a writer.
 */
const fifoDescriptorOf = (end: FifoEnd, path: string): FifoDescriptor => {
  let seen = end.pipe.version
  return {
    ino: end.node.ino,
    dev: end.node.fs.dev,
    read: (max) =>
      Effect.suspend(() => {
        const result = end.read(max)
        seen = end.pipe.version
        return result === "EBADF" ? Either.left(new SystemError({ op: "read", path, code: "EBADF" })) : Either.right(result)
      }),
    changed: Effect.async<void>((resume) => {
      if (end.pipe.version !== seen) return resume(Effect.void)
      const stop = end.pipe.onChange(() => {
        stop()
        resume(Effect.void)
      })
      return Effect.sync(stop)
    }),
    close: Effect.sync(() => end.close())
  }
}

/**
 * An open directory of the simulated host as a {@link DirectoryHandle}, for
 * the scope: it holds the inode, so a path swapped afterwards changes
 * nothing it does; once the scope closes, every call fails with EBADF, as
 * on a closed descriptor.
 */
const openHandle = (
  fs: MemoryFs,
  open: Either.Either<DirectoryInode, SystemError>,
  path: string
): Effect.Effect<DirectoryHandle, SystemError, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(Effect.map(open, (dir) => ({ dir, closed: false })), (held) =>
      Effect.sync(() => {
        held.closed = true
      })),
    (held): DirectoryHandle => {
      const dir = held.dir
      const child = (name: string) => `${path}/${name}`
      const live = <A>(op: string, name: string, body: () => Either.Either<A, SystemError>) =>
        Effect.suspend(() =>
          held.closed ? Either.left(new SystemError({ op, path: child(name), code: "EBADF" })) : body()
        )
      return {
        path,
        info: fs.infoOf(dir),
        filesystemType: dir.fs.type,
        entries: Effect.suspend(() =>
          held.closed
            ? Either.left(new SystemError({ op: "readdirent", path, code: "EBADF" }))
            : Either.right(fs.entriesOf(dir))
        ),
        openDirectory: (name) =>
          Effect.suspend(() =>
            openHandle(
              fs,
              held.closed
                ? Either.left(new SystemError({ op: "openat", path: child(name), code: "EBADF" }))
                : fs.childDirectory(dir, name, child(name)),
              child(name)
            )
          ),
        removeDirectory: (name) => live("rmdir", name, () => fs.removeEntry(dir, name, true, child(name))),
        removeFile: (name) => live("unlinkat", name, () => fs.removeEntry(dir, name, false, child(name)))
      }
    }
  )

/**
 * A directory description as the lock loop uses it. A failed attempt starts
 * listening for the lock to be dropped at once — before the waiter gets to
 * `released` — so a drop in between is never missed.
 */
const lockableOf = (fs: MemoryFs, file: OpenFile, path: string): LockableDirectory => {
  let dropped = false
  let notify: (() => void) | undefined
  let stopListening: (() => void) | undefined
  const listen = () => {
    stopListening ??= fs.onUnlock(file.node, () => {
      stopListening = undefined
      dropped = true
      notify?.()
    })
  }
  return {
    ino: file.node.ino,
    dev: file.node.fs.dev,
    tryLock: (mode) =>
      Effect.suspend(() => {
        dropped = false
        return Either.map(fs.flock(file, mode, path), (held) => {
          if (!held) listen()
          return held
        })
      }),
    released: Effect.async<void>((resume) => {
      if (dropped) return resume(Effect.void)
      notify = () => {
        notify = undefined
        resume(Effect.void)
      }
      return Effect.sync(() => {
        notify = undefined
      })
    }),
    close: Effect.sync(() => {
      stopListening?.()
      stopListening = undefined
      fs.close(file)
    })
  }
}
