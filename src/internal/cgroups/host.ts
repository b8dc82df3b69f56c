/**
 * What the cgroup rules need from a host, and where on it they look. One
 * implementation of the rules (paths, pids walk, freezer protocols, removal)
 * runs over a {@link CgroupHost}: the real one is the `Filesystem` service
 * plus the raw-order readdir probe (`nodeHost.ts`); the simulated one is the
 * `CgroupTree` of the memory host.
 */
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { SystemError } from "../../ContainerError.js"
import type { FilesystemService } from "../../Filesystem.js"
import { join } from "./goPath.js"

/**
 * The system calls behind runc's cgroup code, with Linux's errno semantics
 * and Go's op names in the errors (`open`, `read`, `write`, `lstat`,
 * `stat`, `rmdir`, `statfs`). Every call but {@link CgroupHost.firstEntry}
 * is the `Filesystem` port's call of the same name, so a host is that port
 * plus one probe.
 */
export interface CgroupHost {
  readonly statfs: FilesystemService["statfs"]
  readonly lstat: FilesystemService["lstat"]
  readonly stat: FilesystemService["stat"]
  readonly readLink: FilesystemService["readLink"]
  /** `os.ReadDir`: entries with their `d_type`, sorted by name. */
  readonly readDirectory: FilesystemService["readDirectory"]
  /** The first name `readdir(3)` returns, in the directory's own order (not sorted); none when empty. */
  readonly firstEntry: (path: string) => Effect.Effect<Option.Option<string>, SystemError>
  /** Open read-only and read to EOF, bounded; no filesystem check (runc's test mode). */
  readonly readFile: FilesystemService["readFile"]
  /** Open read-only, check the descriptor's filesystem type, read to EOF, bounded. */
  readonly readFileOn: FilesystemService["readFileOn"]
  /** Open write-only, no create and no truncate (a cgroupfs control file), and write once; no filesystem check. */
  readonly writeFile: (path: string, data: Uint8Array) => Effect.Effect<void, SystemError>
  /** Open write-only, check the descriptor's filesystem type, write once. */
  readonly writeFileOn: FilesystemService["writeFileOn"]
  /** A directory held open for `openat`/`unlinkat`: how cgroups are removed without following anything. */
  readonly openDirectory: FilesystemService["openDirectory"]
}

/** Where the rules look: runc's constants, movable so a test can point them at another tree. */
export interface Layout {
  /** The cgroupfs root and the unified mount point on a v2 host (`/sys/fs/cgroup`). */
  readonly root: string
  /** The cgroup2 mount point of a hybrid host (`<root>/unified`). */
  readonly hybridMountpoint: string
  readonly mountinfoPath: string
  readonly procSelfCgroupPath: string
  /** Its existence as a directory means "systemd is running" (`/run/systemd/system`). */
  readonly systemdMarker: string
  /**
   * Whether cgroup files and directories must be on a cgroup filesystem and
   * the procfs files on procfs — checked with `fstatfs(2)` on every opened
   * descriptor before it is read, written or removed. runc checks cgroup
   * files opened outside `<root>/`; here every one is checked. Off only in
   * runc's unit-test mode, for fake trees.
   */
  readonly checkFileType: boolean
}

/** Options that move a {@link Layout} away from runc's defaults. */
export interface LayoutOptions {
  /** The cgroupfs root; default `/sys/fs/cgroup`. The hybrid mount point follows it (`<root>/unified`). */
  readonly root?: string
  /** Default `/proc/self/mountinfo`. */
  readonly mountinfoPath?: string
  /** Default `/proc/self/cgroup`. */
  readonly procSelfCgroupPath?: string
  /** Default `/run/systemd/system`. */
  readonly systemdMarker?: string
  /** Default true, as in runc outside its unit tests. */
  readonly checkFileType?: boolean
}

/** runc's `/sys/fs/cgroup`. */
export const defaultRoot = "/sys/fs/cgroup"

/** A layout from options, runc's constants by default. */
export const makeLayout = (options: LayoutOptions = {}): Layout => {
  const root = options.root ?? defaultRoot
  return {
    root,
    hybridMountpoint: join(root, "unified"),
    mountinfoPath: options.mountinfoPath ?? "/proc/self/mountinfo",
    procSelfCgroupPath: options.procSelfCgroupPath ?? "/proc/self/cgroup",
    systemdMarker: options.systemdMarker ?? "/run/systemd/system",
    checkFileType: options.checkFileType ?? true
  }
}
