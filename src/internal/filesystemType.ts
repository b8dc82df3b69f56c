/**
 * Filesystem types as `statfs(2)` reports them (`f_type`), and the two
 * refusals the Filesystem port returns when a file or directory is not where
 * it must be: {@link WrongFilesystem} (the open fd is on the wrong kind of
 * filesystem) and {@link NotConfined} (a removal would leave the directory it
 * is confined to). Kept apart from `Filesystem.ts` so the adapters can build
 * the errors without importing the port module.
 */
import * as Data from "effect/Data"

/** `CGROUP_SUPER_MAGIC`: a cgroup v1 hierarchy. */
export const CGROUP_SUPER_MAGIC = 0x27e0eb
/** `CGROUP2_SUPER_MAGIC`: a cgroup2 mount. */
export const CGROUP2_SUPER_MAGIC = 0x63677270
/** `PROC_SUPER_MAGIC`: procfs. */
export const PROC_SUPER_MAGIC = 0x9fa0
/** `RDTGROUP_SUPER_MAGIC`: the resctrl filesystem. */
export const RDTGROUP_SUPER_MAGIC = 0x7655821
/** `TMPFS_MAGIC`: tmpfs (and devtmpfs). */
export const TMPFS_MAGIC = 0x01021994
/** `SYSFS_MAGIC`: sysfs. */
export const SYSFS_MAGIC = 0x62656572
/** `EXT4_SUPER_MAGIC`: ext2, ext3 and ext4. */
export const EXT4_SUPER_MAGIC = 0xef53
/** `SELINUX_MAGIC`: selinuxfs. */
export const SELINUX_MAGIC = 0xf97cff8c

/** The types a cgroup file or directory may be on: cgroup v1 or cgroup2. */
export const cgroupTypes: ReadonlyArray<number> = [CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC]

const names: ReadonlyMap<number, string> = new Map([
  [CGROUP_SUPER_MAGIC, "cgroup"],
  [CGROUP2_SUPER_MAGIC, "cgroup2"],
  [PROC_SUPER_MAGIC, "proc"],
  [RDTGROUP_SUPER_MAGIC, "resctrl"],
  [TMPFS_MAGIC, "tmpfs"],
  [SYSFS_MAGIC, "sysfs"],
  [EXT4_SUPER_MAGIC, "ext4"],
  [SELINUX_MAGIC, "selinuxfs"]
])

/** A type's usual name (`cgroup2`, `tmpfs`, …), or its magic in hex (`0x58465342`). */
export const nameOf = (type: number): string => names.get(type) ?? `0x${type.toString(16)}`

/**
 * A file or directory refused for the filesystem it is on: `fstatfs(2)` of
 * the opened descriptor reported `type`, and only `expected` was allowed.
 * Nothing was read, written or removed. runc's `open <path>: not a cgroup
 * file` is this refusal on a cgroup file; the cgroup and resctrl code turn it
 * into their own error with runc's text.
 */
export class WrongFilesystem extends Data.TaggedError("WrongFilesystem")<{
  /** The operation refused: `open` (read or write) or `rmdir`. */
  readonly op: string
  readonly path: string
  readonly type: number
  readonly expected: ReadonlyArray<number>
}> {
  override get message(): string {
    return `${this.op} ${this.path}: on ${nameOf(this.type)}, not ${this.expected.map(nameOf).join(" or ")}`
  }
}

/** Why a confined removal was refused. */
export type NotConfinedReason =
  /** A path component below the root is a symlink or not a directory: it is never followed. */
  | "not a directory"
  /** The path has an empty, `.` or `..` component, so it does not name a directory below the root. */
  | "not below the root"
  /** A directory in the tree is another filesystem's mount point. */
  | "mount point"
  /** The root directory is no longer the one it was when the caller recorded it. */
  | "root replaced"

/**
 * A removal refused because it would leave the directory it is confined to
 * — a symlink or a non-directory where a directory belongs, a mount point
 * inside the tree, or a root that was replaced. Nothing was removed.
 */
export class NotConfined extends Data.TaggedError("NotConfined")<{
  readonly path: string
  /** The directory the removal is confined to. */
  readonly root: string
  readonly reason: NotConfinedReason
}> {
  override get message(): string {
    return `refusing to remove ${this.path}: ${this.reason} (confined to ${this.root})`
  }
}
