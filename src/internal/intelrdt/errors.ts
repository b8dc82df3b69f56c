/**
 * The Intel RDT errors, with runc's texts (`libcontainer/intelrdt`). Kept
 * apart from `IntelRdt.ts` (which re-exports them) so the implementation
 * can build them without an import cycle.
 */
import * as Data from "effect/Data"
import type { SystemError } from "../../ContainerError.js"
import * as Errno from "../errno.js"
import type { WrongFilesystem } from "../filesystemType.js"
import type * as Mountinfo from "../mountinfo.js"
import * as Strconv from "../strconv.js"

/** `Intel RDT not available` — no resctrl filesystem on this host. */
export class IntelRdtNotAvailable extends Data.TaggedError("IntelRdtNotAvailable")<{}> {
  override get message(): string {
    return "Intel RDT not available"
  }
}

/**
 * `statfs /sys/fs/resctrl` failed with something other than ENOENT. runc
 * returns the bare errno, so the message is just its text (`permission denied`).
 */
export class ResctrlProbeError extends Data.TaggedError("ResctrlProbeError")<{ readonly code: string }> {
  override get message(): string {
    return Errno.textOf(this.code)
  }
}

/** Every way locating the resctrl root can fail (`WrongFilesystem`: mountinfo is not on procfs). */
export type RootError = IntelRdtNotAvailable | ResctrlProbeError | Mountinfo.MountinfoParseError | SystemError | WrongFilesystem

/**
 * `clos dir not accessible (must be pre-created when l3CacheSchema and
 * memBwSchema are empty): <cause>` — `apply` with only a `closID` found no
 * such group.
 */
export class ClosDirNotAccessible extends Data.TaggedError("ClosDirNotAccessible")<{ readonly cause: SystemError }> {
  override get message(): string {
    return `clos dir not accessible (must be pre-created when l3CacheSchema and memBwSchema are empty): ${this.cause.message}`
  }
}

/** `no such directory for <file>` — a write was asked for with an empty group path. */
export class NoSuchDirectory extends Data.TaggedError("NoSuchDirectory")<{ readonly file: string }> {
  override get message(): string {
    return `no such directory for ${this.file}`
  }
}

/**
 * `intelrdt: unable to write <data>: <cause>` (schemata) or
 * `intelrdt: unable to add pid <pid>: <cause>` (tasks).
 */
export class ResctrlWriteError extends Data.TaggedError("ResctrlWriteError")<{
  readonly file: "schemata" | "tasks"
  readonly data: string
  /** The failed write, or the refusal of a file that is not on resctrl (nothing written). */
  readonly cause: SystemError | WrongFilesystem
}> {
  override get message(): string {
    const what = this.file === "tasks" ? `add pid ${this.data}` : `write ${this.data}`
    return `intelrdt: unable to ${what}: ${this.cause.message}`
  }
}

/**
 * `<cause>, last_cmd_status: <status>` — runc's `newLastCmdError`: the
 * kernel's explanation from `info/last_cmd_status` added to a failure. When
 * that file cannot be read the cause is returned unwrapped instead.
 */
export class LastCmdStatus extends Data.TaggedError("LastCmdStatus")<{
  readonly cause: SystemError | NoSuchDirectory | ResctrlWriteError | LastCmdStatus
  readonly status: string
}> {
  override get message(): string {
    return `${this.cause.message}, last_cmd_status: ${this.status}`
  }
}

/** `unable to parse "<raw>" as a uint from file "<path>"` — a resctrl number file did not parse. */
export class ResctrlParseError extends Data.TaggedError("ResctrlParseError")<{
  readonly raw: string
  readonly path: string
}> {
  override get message(): string {
    return `unable to parse ${Strconv.quote(this.raw)} as a uint from file ${Strconv.quote(this.path)}`
  }
}

/** Why {@link ResctrlRemovalRefused} refused. */
export type RemovalRefusedReason =
  /** The group path is not below the resctrl root (after cleaning). */
  | "outside the resctrl root"
  /** The group path is the resctrl root itself: removing it would remove every group. */
  | "the resctrl root itself"
  /** A directory on the way, or the group, is not on the resctrl filesystem. */
  | "not on resctrl"
  /** A component below the root is a symlink or not a directory (nothing is followed). */
  | "not a directory"
  /** A directory below the group is another filesystem's mount point. */
  | "mount point"
  /** The resctrl root cannot be located, so nothing can be confirmed to be a group. */
  | "no resctrl root"

/**
 * `refusing to remove <path>: <reason>` — `destroy` was asked to remove a
 * group path that is not a resctrl group below the resctrl root, as a
 * hostile `intel_rdt_path` in state.json can ask. Nothing was removed (runc
 * would `os.RemoveAll` it).
 */
export class ResctrlRemovalRefused extends Data.TaggedError("ResctrlRemovalRefused")<{
  readonly path: string
  /** The resctrl root, or `""` when it could not be located. */
  readonly root: string
  readonly reason: RemovalRefusedReason
}> {
  override get message(): string {
    return `refusing to remove ${this.path}: ${this.reason}${this.root === "" ? "" : ` (resctrl root ${this.root})`}`
  }
}
