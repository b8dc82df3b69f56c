/**
 * The real host behind `IntelRdt.layerNode`: every call through the
 * `Filesystem` service (so the rules can also run on a memory tree), with
 * mountinfo read bounded and — outside test mode — checked to be on procfs.
 */
import * as Effect from "effect/Effect"
import type { SystemError } from "../../ContainerError.js"
import type { FilesystemService } from "../../Filesystem.js"
import type { ResctrlHost } from "../../IntelRdt.js"
import { PROC_SUPER_MAGIC } from "../filesystemType.js"
import * as Mountinfo from "../mountinfo.js"

/** What the node host needs besides the filesystem. */
export interface HostOptions {
  readonly statfs: (path: string) => Effect.Effect<number, SystemError>
  readonly mountinfoPath: string
  /** Whether mountinfo must be on procfs (off for test trees). */
  readonly checkFileType: boolean
}

const encoder = new TextEncoder()

/** A resctrl host over a filesystem: Go's `os.WriteFile(path, data, 0o600)` is a truncating write. */
export const makeHost = (fs: FilesystemService, options: HostOptions): ResctrlHost => ({
  statfs: options.statfs,
  readMountinfo: options.checkFileType
    ? fs.readFileOn(options.mountinfoPath, [PROC_SUPER_MAGIC], { maxBytes: Mountinfo.maxBytes })
    : fs.readFile(options.mountinfoPath, { maxBytes: Mountinfo.maxBytes }),
  stat: (path) => Effect.asVoid(fs.stat(path)),
  makeDirectoryAll: fs.makeDirectoryAll,
  writeFile: (path, data) => fs.writeFile(path, encoder.encode(data), { flag: "truncate", mode: 0o600 }),
  writeFileOn: fs.writeFileOn,
  readFile: fs.readFile,
  readFileOn: fs.readFileOn,
  readDirectory: fs.readDirectory,
  openDirectory: fs.openDirectory
})
