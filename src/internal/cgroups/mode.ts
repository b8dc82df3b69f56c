/**
 * Host detection (runc's `IsCgroup2UnifiedMode` and `IsCgroup2HybridMode` in
 * `libcontainer/cgroups/utils.go`, `IsRunningSystemd` in
 * `cgroups/systemd/common.go`): is `/sys/fs/cgroup` a cgroup2 mount
 * (unified), is there a cgroup2 mount at `/sys/fs/cgroup/unified` (hybrid),
 * and is systemd running. runc computes each once per process; here each is
 * computed once per service.
 */
import * as Effect from "effect/Effect"
import type { CgroupMode } from "../../CgroupManager.js"
import type { FilesystemService } from "../../Filesystem.js"
import type { Layout } from "./layout.js"

/** `CGROUP_SUPER_MAGIC`: `f_type` of a cgroup v1 hierarchy. */
export const CGROUP_SUPER_MAGIC = 0x27e0eb
/** `CGROUP2_SUPER_MAGIC`: `f_type` of a cgroup2 mount. */
export const CGROUP2_SUPER_MAGIC = 0x63677270
/** `TMPFS_MAGIC`: what a v1 host mounts at `/sys/fs/cgroup` to hold its hierarchies. */
export const TMPFS_MAGIC = 0x01021994

/**
 * runc's `IsCgroup2UnifiedMode`: `statfs(root)` says cgroup2. A failing
 * statfs is logged (`statfs /sys/fs/cgroup: <err>; assuming cgroup v1`) and
 * read as v1.
 */
export const isUnified = (fs: FilesystemService, layout: Layout): Effect.Effect<boolean> =>
  Effect.matchEffect(fs.statfs(layout.root), {
    onFailure: (error) =>
      Effect.as(Effect.logWarning(`statfs ${layout.root}: ${error.message}; assuming cgroup v1`), false),
    onSuccess: (type) => Effect.succeed(type === CGROUP2_SUPER_MAGIC)
  })

/** runc's `IsCgroup2HybridMode`: `statfs(<root>/unified)` says cgroup2; any failure means no. */
export const isHybrid = (fs: FilesystemService, layout: Layout): Effect.Effect<boolean> =>
  Effect.matchEffect(fs.statfs(layout.hybridMountpoint), {
    onFailure: (error) =>
      Effect.as(
        error.code === "ENOENT" ? Effect.void : Effect.logDebug(`statfs(${layout.hybridMountpoint}) failed: ${error.message}`),
        false
      ),
    onSuccess: (type) => Effect.succeed(type === CGROUP2_SUPER_MAGIC)
  })

/** runc's `IsRunningSystemd`: `lstat(/run/systemd/system)` is a directory. */
export const isRunningSystemd = (fs: FilesystemService, layout: Layout): Effect.Effect<boolean> =>
  Effect.match(fs.lstat(layout.systemdMarker), {
    onFailure: () => false,
    onSuccess: (info) => info.type === "Directory"
  })

/** The mode the two probes add up to. */
export const modeOf = (unified: boolean, hybrid: boolean): CgroupMode =>
  unified ? "unified" : hybrid ? "hybrid" : "legacy"
