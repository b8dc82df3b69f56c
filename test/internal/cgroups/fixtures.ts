/**
 * Fake cgroup hosts on the memory Filesystem: seeded `/proc/self/mountinfo`,
 * `/proc/self/cgroup` and cgroup directories, with a scripted `statfs` —
 * so the real layer's rules (parsing, paths, file protocols) run without a
 * kernel. The mounts are seeded as memory filesystems of the right type, so
 * the `fstatfs` checks on opened files pass as on a real host; they share
 * the root's device number, so the fast paths that compare devices fall
 * through to mountinfo, as they do on a host whose cgroupfs is not at the
 * default place.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CgroupManager from "../../../src/CgroupManager.js"
import { SystemError } from "../../../src/ContainerError.js"
import * as Fs from "../../../src/Filesystem.js"
import * as Env from "../../../src/internal/cgroups/env.js"
import { type LayoutOptions, makeLayout } from "../../../src/internal/cgroups/layout.js"
import { CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC, TMPFS_MAGIC } from "../../../src/internal/cgroups/mode.js"
import { PROC_SUPER_MAGIC } from "../../../src/internal/filesystemType.js"
import { rootDevice, type SeedEntry } from "../../../src/memory/MemoryFs.js"
import * as MemoryHost from "../../../src/memory/MemoryHost.js"

/** One cgroup mount of a fake host. */
export interface FakeMount {
  readonly mountpoint: string
  /** Super options, e.g. `rw,cpu,cpuacct` or `rw,name=systemd`. */
  readonly options: string
  readonly root?: string
  readonly fstype?: "cgroup" | "cgroup2"
}

/** A fake host: its mounts, what `/proc/self/cgroup` says, and anything else to place in the tree. */
export interface FakeHostSpec {
  readonly mounts: ReadonlyArray<FakeMount>
  readonly procSelfCgroup: string
  /** `/sys/fs/cgroup`'s own filesystem type; default tmpfs (a v1 host). */
  readonly rootType?: number
  /** Extra mountinfo lines placed before the cgroup ones. */
  readonly otherMounts?: ReadonlyArray<string>
  readonly entries?: ReadonlyArray<SeedEntry>
  readonly layout?: LayoutOptions
}

const escape = (field: string): string => field.replace(/[ \\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`)

/** mountinfo text for the mounts, after a root and a tmpfs at `/sys/fs/cgroup`. */
export const mountinfoOf = (mounts: ReadonlyArray<FakeMount>, otherMounts: ReadonlyArray<string> = []): string =>
  [
    "1 0 8:1 / / rw,relatime - ext4 /dev/root rw",
    ...otherMounts,
    ...mounts.map((m, i) => {
      const type = m.fstype ?? "cgroup"
      return `${40 + i} 30 0:${40 + i} ${escape(m.root ?? "/")} ${escape(m.mountpoint)} rw,nosuid,nodev,noexec,relatime shared:${i} - ${type} ${type} ${m.options}`
    })
  ].join("\n") + "\n"

/** A `statfs` for the memory filesystem: ENOENT for a missing path, else the type of the longest mount prefix. */
export const scriptedStatfs = (fs: Fs.FilesystemService, types: ReadonlyArray<readonly [string, number]>) =>
(path: string): Effect.Effect<number, SystemError> =>
  Effect.map(
    Effect.mapError(fs.stat(path), (e) => new SystemError({ op: "statfs", path, code: e.code })),
    () => {
      let best: readonly [string, number] = ["", 0xef53]
      for (const entry of types) {
        const [prefix] = entry
        if ((path === prefix || path.startsWith(`${prefix}/`)) && prefix.length > best[0].length) best = entry
      }
      return best[1]
    }
  )

/** What a fake host gives a test: the simulated host (to inspect or change) and the rules running on it. */
export interface FakeHost {
  readonly host: MemoryHost.SimulatedHost
  readonly fs: Fs.FilesystemService
  readonly layer: Layer.Layer<CgroupManager.CgroupManager>
  readonly env: Effect.Effect<Env.CgroupEnv>
}

/** Builds a fake host from a spec. */
export const fakeHost = (spec: FakeHostSpec): FakeHost => {
  const mounts = new Map<string, number>([["/sys/fs/cgroup", spec.rootType ?? TMPFS_MAGIC]])
  for (const m of spec.mounts) mounts.set(m.mountpoint, m.fstype === "cgroup2" ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC)
  // the default tree without the kernel's procfs and cgroupfs: every file below is what the spec says
  const host = MemoryHost.unsafeMake({
    bare: true,
    entries: [
      ...MemoryHost.defaultEntries,
      { type: "dir", path: "/proc", mode: 0o555, filesystem: PROC_SUPER_MAGIC, device: rootDevice },
      { type: "dir", path: "/proc/self", mode: 0o555 },
      { type: "file", path: "/proc/self/mountinfo", content: mountinfoOf(spec.mounts, spec.otherMounts) },
      { type: "file", path: "/proc/self/cgroup", content: spec.procSelfCgroup },
      ...[...mounts].map(([path, filesystem]): SeedEntry => ({ type: "dir", path, filesystem, device: rootDevice })),
      ...(spec.entries ?? [])
    ]
  })
  const plain = MemoryHost.filesystem(host)
  // a scripted statfs, and the raw readdir order taken as the sorted one
  const fs: Fs.FilesystemService = {
    ...plain,
    statfs: scriptedStatfs(plain, [
      ["/sys/fs/cgroup", spec.rootType ?? TMPFS_MAGIC],
      ...spec.mounts.map((m) => [m.mountpoint, m.fstype === "cgroup2" ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC] as const)
    ]),
    readDirectoryUnsorted: (path, options) =>
      Effect.map(plain.readDirectory(path), (entries) => entries.slice(0, options?.limit ?? entries.length))
  }
  return {
    host,
    fs,
    layer: CgroupManager.layerWith(spec.layout ?? {}).pipe(Layer.provide(Layer.succeed(Fs.Filesystem, fs))),
    env: Env.make(fs, makeLayout(spec.layout))
  }
}

/** One v1 hierarchy per controller under `/sys/fs/cgroup`, as on the development machine. */
export const separateMounts = (controllers: ReadonlyArray<string>): ReadonlyArray<FakeMount> =>
  controllers.map((c) => ({
    mountpoint: `/sys/fs/cgroup/${c.startsWith("name=") ? c.slice(5) : c}`,
    options: `rw,${c}`
  }))

/** `/proc/self/cgroup` with the given path per hierarchy (v1 ids counting down), plus `0::<v2>` when given. */
export const procSelfCgroupOf = (hierarchies: ReadonlyArray<readonly [string, string]>, v2?: string): string =>
  hierarchies.map(([controllers, path], i) => `${hierarchies.length - i}:${controllers}:${path}\n`).join("") +
  (v2 === undefined ? "" : `0::${v2}\n`)

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** UTF-8 bytes. */
export const bytes = (text: string): Uint8Array => encoder.encode(text)

/** Text of UTF-8 bytes. */
export const text = (data: Uint8Array): string => decoder.decode(data)

