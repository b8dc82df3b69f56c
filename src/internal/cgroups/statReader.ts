/**
 * The stat parsers' file access on a host's cgroupfs: every file read
 * through the Filesystem port as every cgroup file is — `Join(dir,
 * CleanPath(file))`, opened and checked with `fstatfs` to be on a cgroup
 * filesystem before a byte is read (outside runc's test mode), and at most
 * `maxStatFileSize` bytes (more fails with EFBIG, `read <path>: file too
 * large`). The same reader serves the set plans, which read a few values
 * before they write.
 */
import * as Effect from "effect/Effect"
import type { SystemError } from "../../ContainerError.js"
import type { CgroupEnv } from "./env.js"
import type { CgroupError } from "./errors.js"
import * as Files from "./files.js"
import { maxStatFileSize, type StatReader } from "./stats/reader.js"

const decoder = new TextDecoder()

/** What a read on cgroupfs fails with. */
export type ReadFailure = CgroupError | SystemError

/** runc's `cgroups.ReadFile` for the stat code: checked, bounded, decoded as UTF-8 (Go's encoder replaces bad bytes the same way). */
export const readStatFile = (env: CgroupEnv, dir: string, file: string): Effect.Effect<string, ReadFailure> =>
  Effect.map(Files.readBytes(env, dir, file, maxStatFileSize), (bytes) => decoder.decode(bytes))

/** A {@link StatReader} on the host's cgroupfs. */
export const make = (env: CgroupEnv): StatReader<ReadFailure> => ({
  read: (dir, file) => readStatFile(env, dir, file),
  exists: (path) => Effect.isSuccess(env.fs.stat(path)),
  errno: Files.errnoOf
})

/**
 * `/proc/meminfo`, which fs2 reads for the root cgroup's memory figures:
 * bounded, and on procfs outside test mode.
 */
export const meminfo = (env: CgroupEnv): Effect.Effect<string, ReadFailure> =>
  Effect.map(Files.readProcfsFile(env.fs, env.layout, env.layout.meminfoPath, maxStatFileSize), (bytes) =>
    decoder.decode(bytes))
