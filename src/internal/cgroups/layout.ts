/**
 * Where the cgroup rules look on a host: runc's constants
 * (`/sys/fs/cgroup`, `/proc/self/mountinfo`, …), movable so a test can point
 * them at another tree. The rules themselves read and write everything
 * through the Filesystem port.
 */
import { join } from "./goPath.js"

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
  /** Where huge page sizes are listed (`/sys/kernel/mm/hugepages`). */
  readonly hugePagesDir: string
  /** What the root cgroup's memory figures come from on a unified host (`/proc/meminfo`). */
  readonly meminfoPath: string
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
  /** Default `/sys/kernel/mm/hugepages`. */
  readonly hugePagesDir?: string
  /** Default `/proc/meminfo`. */
  readonly meminfoPath?: string
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
    hugePagesDir: options.hugePagesDir ?? "/sys/kernel/mm/hugepages",
    meminfoPath: options.meminfoPath ?? "/proc/meminfo",
    checkFileType: options.checkFileType ?? true
  }
}
