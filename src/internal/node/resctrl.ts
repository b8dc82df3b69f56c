/**
 * The real host behind `IntelRdt.layerNode`: file access through the
 * `Filesystem` service (so the rules can also run on a memory tree) and the
 * one probe that interface does not cover, `statfs(2)`.
 */
import * as Effect from "effect/Effect"
import { statfs as nodeStatfs } from "node:fs/promises"
import { SystemError } from "../../ContainerError.js"
import type { FilesystemService } from "../../Filesystem.js"
import type { ResctrlHost } from "../../IntelRdt.js"

/** `statfs(2)` of a path: its filesystem type (`f_type`), e.g. `0x7655821` for resctrl. */
export const statfs = (path: string): Effect.Effect<number, SystemError> =>
  Effect.tryPromise({
    try: () => nodeStatfs(path),
    catch: (cause) => {
      const code = (cause as { code?: unknown } | null)?.code
      return new SystemError({ op: "statfs", path, code: typeof code === "string" ? code : "EIO" })
    }
  }).pipe(Effect.map((result) => result.type))

/** What the node host needs besides the filesystem. */
export interface HostOptions {
  readonly statfs: (path: string) => Effect.Effect<number, SystemError>
  readonly mountinfoPath: string
}

const encoder = new TextEncoder()

/** A resctrl host over a filesystem: Go's `os.WriteFile(path, data, 0o600)` is a truncating write. */
export const makeHost = (fs: FilesystemService, options: HostOptions): ResctrlHost => ({
  statfs: options.statfs,
  readMountinfo: fs.readFile(options.mountinfoPath),
  stat: (path) => Effect.asVoid(fs.stat(path)),
  makeDirectoryAll: fs.makeDirectoryAll,
  writeFile: (path, data) => fs.writeFile(path, encoder.encode(data), { flag: "truncate", mode: 0o600 }),
  readFile: (path) => fs.readFile(path),
  readDirectory: fs.readDirectory,
  removeAll: fs.removeAll
})
