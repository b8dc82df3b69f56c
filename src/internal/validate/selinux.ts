/**
 * Whether SELinux is enabled, as the go-selinux `GetEnabled` runc vendors
 * decides it (`go-selinux/selinux_linux.go`), from file reads through the
 * {@link Filesystem} service only — so the simulated host can be seeded to
 * either answer.
 *
 * Enabled means a usable selinuxfs is mounted and the process label is not
 * `kernel`. go-selinux probes `/sys/fs/selinux` with `statfs(2)` first; here
 * the mount is found the way its slow path does (`/proc/filesystems` lists
 * `selinuxfs`, then the first ` - selinuxfs ` line of `/proc/self/mountinfo`
 * whose mount point checks out), and the `statfs` verification — selinuxfs
 * and not read-only — is read from the mount's own mountinfo entry instead.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { Filesystem } from "../../Filesystem.js"
import * as Mountinfo from "../mountinfo.js"

const decoder = new TextDecoder()

const readText = (path: string) =>
  Effect.flatMap(Filesystem, (fs) => fs.readFile(path)).pipe(Effect.map((bytes) => decoder.decode(bytes)))

/** The mount point field (the fifth) of every mountinfo line that mentions ` - selinuxfs `, in order. */
const selinuxfsCandidates = (mountinfo: string): ReadonlyArray<string> =>
  mountinfo.split("\n").flatMap((line) => {
    if (!line.includes(" - selinuxfs ")) return []
    const fields = line.split(" ", 5)
    return fields.length === 5 ? [fields[4]!] : []
  })

const hasOption = (options: string, name: string): boolean => options.split(",").includes(name)

/** The `statfs` check: the mount visible at `mountpoint` is a writable selinuxfs. */
const usable = (mounts: ReadonlyArray<Mountinfo.MountInfo>, mountpoint: string): boolean => {
  const top = mounts.filter((m) => m.mountpoint === mountpoint).at(-1)
  return top !== undefined && top.fstype === "selinuxfs" &&
    !hasOption(top.options, "ro") && !hasOption(top.vfsOptions, "ro")
}

/** go-selinux's `getSelinuxMountPoint`: where a usable selinuxfs is mounted, if anywhere. */
const selinuxfsMount = Effect.gen(function*() {
  const filesystems = yield* Effect.orElseSucceed(readText("/proc/filesystems"), () => "")
  if (!filesystems.includes("\tselinuxfs\n")) return undefined
  const mountinfo = yield* Effect.orElseSucceed(readText("/proc/self/mountinfo"), () => "")
  const mounts = Either.getOrElse(Mountinfo.parse(mountinfo), () => [])
  return selinuxfsCandidates(mountinfo).find((candidate) => usable(mounts, candidate))
})

/**
 * go-selinux's `CurrentLabel`: `/proc/thread-self/attr/current` when
 * `/proc/thread-self/attr` is a directory, else the main thread's
 * `/proc/self/attr/current`; one trailing NUL removed; `""` when unreadable.
 */
const currentLabel = Effect.gen(function*() {
  const fs = yield* Filesystem
  const threadSelf = yield* Effect.option(fs.stat("/proc/thread-self/attr"))
  const path = Option.exists(threadSelf, (info) => info.type === "Directory")
    ? "/proc/thread-self/attr/current"
    : "/proc/self/attr/current"
  const label = yield* Effect.orElseSucceed(readText(path), () => "")
  return label.endsWith("\0") ? label.slice(0, -1) : label
})

/** go-selinux's `GetEnabled`: a usable selinuxfs is mounted and the current label is not `kernel`. */
export const enabled: Effect.Effect<boolean, never, Filesystem> = Effect.gen(function*() {
  if ((yield* selinuxfsMount) === undefined) return false
  return (yield* currentLabel) !== "kernel"
})
