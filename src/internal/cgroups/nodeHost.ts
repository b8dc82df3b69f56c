/**
 * The real host: the `Filesystem` service for every file operation, plus
 * the two probes that interface does not have — `statfs(2)` and the first
 * entry of a directory in the kernel's own order (runc's `Readdirnames(1)`,
 * which node's sorted `readdir` cannot give). Both probes are replaceable,
 * so the rules can run on the memory `Filesystem` with a scripted statfs.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { opendirSync, statfsSync } from "node:fs"
import { SystemError } from "../../ContainerError.js"
import type { FilesystemService } from "../../Filesystem.js"
import type { CgroupHost } from "./host.js"

/** The host calls that are not file operations. */
export interface Probes {
  readonly statfs: CgroupHost["statfs"]
  readonly firstEntry: CgroupHost["firstEntry"]
}

/** The errno name of what node threw; a bad argument (a NUL in a path) is EINVAL, as in Go. */
const errnoOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code
  return typeof code === "string" && code.startsWith("ERR_INVALID_ARG") ? "EINVAL" : "EIO"
}

/** The first name `readdir(3)` returns for `path` (node's `opendir` keeps the kernel's order). */
const firstEntry = (path: string): Effect.Effect<Option.Option<string>, SystemError> =>
  Effect.try({
    try: () => {
      const dir = opendirSync(path)
      try {
        return Option.fromNullable(dir.readSync()?.name)
      } finally {
        dir.closeSync()
      }
    },
    catch: (e) => new SystemError({ op: "open", path, code: errnoOf(e) })
  })

/** `statfs(2)` of a path, synchronously (the call is a few microseconds; a promise round trip costs more). */
const statfs = (path: string): Effect.Effect<number, SystemError> =>
  Effect.try({
    try: () => statfsSync(path).type,
    catch: (e) => new SystemError({ op: "statfs", path, code: errnoOf(e) })
  })

/** This machine's probes: node's `fs.statfsSync` and `fs.opendirSync`. */
export const nodeProbes: Probes = { statfs, firstEntry }

/**
 * `rmdir(2)` from what the filesystem offers: `remove` (unlink, then rmdir)
 * of something `lstat` says is a directory — so a saved path naming a file
 * fails with ENOTDIR instead of being unlinked — reported with op `rmdir`.
 */
const rmdir = (fs: FilesystemService, path: string): Effect.Effect<void, SystemError> =>
  Effect.gen(function*() {
    const info = yield* fs.lstat(path)
    if (info.type !== "Directory") return yield* new SystemError({ op: "rmdir", path, code: "ENOTDIR" })
    yield* fs.remove(path)
  }).pipe(Effect.mapError((e) => new SystemError({ op: "rmdir", path, code: e.code })))

/** A host over a filesystem and the probes. */
export const make = (fs: FilesystemService, probes: Probes): CgroupHost => ({
  statfs: probes.statfs,
  firstEntry: probes.firstEntry,
  lstat: fs.lstat,
  stat: fs.stat,
  readLink: fs.readLink,
  readDirectory: fs.readDirectory,
  readFile: (path) => fs.readFile(path),
  writeFile: (path, data) => fs.writeFile(path, data, { flag: "existing" }),
  rmdir: (path) => rmdir(fs, path)
})
