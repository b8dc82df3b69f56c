/**
 * The real host: the `Filesystem` service for every file operation, plus
 * the probe that interface does not have — the first entry of a directory
 * in the kernel's own order (runc's `Readdirnames(1)`, which node's sorted
 * `readdir` cannot give). `statfs` is the filesystem's unless replaced, so
 * the rules can run on the memory `Filesystem` with a scripted statfs.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { opendirSync } from "node:fs"
import { SystemError } from "../../ContainerError.js"
import type { FilesystemService } from "../../Filesystem.js"
import type { CgroupHost } from "./host.js"

/** The host calls that are not (or replace) the filesystem's. */
export interface Probes {
  /** `statfs(2)` of a path; the filesystem's own when absent. */
  readonly statfs?: CgroupHost["statfs"]
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

/** This machine's probe: node's `fs.opendirSync`. */
export const nodeProbes: Probes = { firstEntry }

/** The raw-order probe from the filesystem's sorted listing, for simulated hosts where the order does not matter. */
export const sortedFirstEntry = (fs: FilesystemService): Probes["firstEntry"] => (path) =>
  Effect.map(fs.readDirectory(path), (entries) => Option.fromNullable(entries[0]?.name))

/** A host over a filesystem and the probes. */
export const make = (fs: FilesystemService, probes: Probes): CgroupHost => ({
  statfs: probes.statfs ?? fs.statfs,
  firstEntry: probes.firstEntry,
  lstat: fs.lstat,
  stat: fs.stat,
  readLink: fs.readLink,
  readDirectory: fs.readDirectory,
  readFile: fs.readFile,
  readFileOn: fs.readFileOn,
  writeFile: (path, data) => fs.writeFile(path, data, { flag: "existing" }),
  writeFileOn: fs.writeFileOn,
  openDirectory: fs.openDirectory
})
