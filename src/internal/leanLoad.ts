/**
 * The lean path of runc's `Load` (`libcontainer/factory_linux.go`) for the
 * containers that are as runc leaves them: state.json a regular file in a
 * plain directory of the root, a cgroup manager runc's `NewWithPaths` can
 * build from the saved paths alone, no Intel RDT group, the freezer
 * readable and thawed (or absent). For those, everything Load does is a
 * handful of direct calls of the Filesystem port (`Filesystem.DirectCalls`)
 * and plain code: one descriptor of the root held for every read, no error
 * object on the way, no effect per step.
 *
 * Whatever the lean path is not sure about — a symlink anywhere on the way
 * (SecureJoin's resolution decides those), a missing or unreadable file, a
 * document the decoder refuses, a frozen or freezing cgroup, a config whose
 * manager needs more than its saved paths, any unexpected errno — it hands
 * back (`undefined`), and `Factory` loads that container the careful way,
 * which gives the answer or the error runc gives. So both paths agree on
 * every container: the lean one only answers where the careful one would
 * answer the same.
 *
 * Plain code without Effect, so the CLI runs it without loading Effect.
 */
import type { Status } from "../Status.js"
import type { DirectCalls, FileIdentity, HeldRoot } from "../Filesystem.js"
import type * as State from "../State.js"
import { CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC } from "./filesystemType.js"
import { isValid } from "./containerId.js"
import { decodeText } from "./json/GoDecoder.js"
import { clean, join } from "./path.js"
import { maker } from "./plainRecord.js"
import * as RuncTypes from "./runcTypes.js"

/** The largest state.json Load reads (`Factory.maxStateBytes`). */
export const maxStateBytes = 16 * 1024 * 1024

/** The most of a cgroup file the cgroup manager reads (its `maxFileBytes`). */
const maxCgroupFileBytes = 32 * 1024 * 1024

const cgroupTypes: ReadonlyArray<number> = [CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC]

/**
 * A state.json decoded with Go's rules (`State.decodeJson`'s decoder,
 * without its schema), or `undefined` when the decoder refuses it: the
 * careful path then says why.
 */
export const decodeState = (bytes: Uint8Array): State.State | undefined => {
  const decoded = decodeText(RuncTypes.State.decoder, bytes, "State")
  return decoded._tag === "Ok" ? decoded.value : undefined
}

/** A container the lean path read: everything `Load` needs but the liveness of its init process. */
export interface Read {
  readonly id: string
  /** `SecureJoin(root, id)`: the root and the id, as no symlink was on the way. */
  readonly stateDir: string
  readonly saved: State.State
  readonly rootIdentity: FileIdentity
}

/** A {@link Read}, made by a constructor: a chunk's reads outlive a young collection (see `plainRecord.ts`). */
const readOf = maker<Read>(["id", "stateDir", "saved", "rootIdentity"])

/** What the lean reads need: the direct calls, the held root and the host's cgroup mode. */
export interface Reader {
  readonly direct: DirectCalls
  readonly held: HeldRoot
  readonly root: string
  /** Whether the cgroup manager runs in unified (cgroup v2) mode: which freezer file is read. */
  readonly unified: boolean
}

const hasOwn = (record: object, key: string): boolean => Object.prototype.hasOwnProperty.call(record, key)

/** Whether `bytes` is exactly `text` (ASCII). */
const isText = (bytes: Uint8Array, text: string): boolean => {
  if (bytes.length !== text.length) return false
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false
  return true
}

/**
 * The file `file` of cgroup directory `dir` (not empty), naming what runc's
 * `filepath.Join(dir, file)` names: the two joined as they are when `dir`
 * holds no `..` — the kernel then resolves the path as `Clean` would
 * rewrite it (runs of `/` and `.` elements change nothing) —, cleaned
 * otherwise, since `..` after a symlink is where the two part. Saves
 * cleaning a long path in plain code for every container listed.
 */
const cgroupFile = (dir: string, file: string): string => (dir.includes("..") ? join(dir, file) : `${dir}/${file}`)

/** An absent cgroup file, as runc's freezer readers tolerate it: ENOENT or ENODEV. */
const isAbsent = (result: Uint8Array | string | number): boolean => result === "ENOENT" || result === "ENODEV"

/**
 * The v1 freezer as runc's fs manager reads it (`FreezerGroup.GetState`)
 * when the answer is plain: `""` without a freezer path or file, `THAWED`;
 * `undefined` for anything else (frozen, freezing, unreadable, not on
 * cgroupfs).
 */
const freezerV1 = (direct: DirectCalls, paths: Readonly<Record<string, string>>): "" | "THAWED" | undefined => {
  const dir = hasOwn(paths, "freezer") ? paths["freezer"]! : ""
  if (dir === "") return ""
  const content = direct.readFileOn(cgroupFile(dir, "freezer.state"), cgroupTypes, maxCgroupFileBytes)
  if (isAbsent(content)) return ""
  return content instanceof Uint8Array && (isText(content, "THAWED\n") || isText(content, "THAWED")) ? "THAWED" : undefined
}

/**
 * The v2 freezer as runc's fs2 manager reads it (`getFreezer`) when the
 * answer is plain: `""` without `cgroup.freeze`, `THAWED` when it starts
 * with `0\n`; `undefined` for anything else.
 */
const freezerV2 = (direct: DirectCalls, dir: string): "" | "THAWED" | undefined => {
  const content = direct.readFileOn(cgroupFile(dir, "cgroup.freeze"), cgroupTypes, maxCgroupFileBytes)
  if (isAbsent(content)) return ""
  return content instanceof Uint8Array && content.length >= 2 && content[0] === 0x30 && content[1] === 0x0a
    ? "THAWED"
    : undefined
}

/**
 * The freezer of a saved state, read as the manager runc's `NewWithPaths`
 * builds for it would read it — for the configs whose manager comes from
 * the saved paths alone (cgroupfs, not systemd; on v1 with resources and
 * no unified keys; on v2 with one clean absolute path): `""` or `THAWED`;
 * `undefined` for any other config or answer.
 */
const freezerOf = (direct: DirectCalls, saved: State.State, unified: boolean): "" | "THAWED" | undefined => {
  const cg = saved.config.cgroups
  const paths = saved.cgroup_paths
  if (cg === null || cg.Systemd || paths === null) return undefined
  if (unified) {
    const keys = Object.keys(paths)
    if (keys.length !== 1 || keys[0] !== "") return undefined
    const dir = paths[""]!
    return dir !== "" && dir.startsWith("/") && clean(dir) === dir ? freezerV2(direct, dir) : undefined
  }
  if (cg.Resources === undefined || cg.Resources.unified != null) return undefined
  return freezerV1(direct, paths)
}

/**
 * Reads container `id` the lean way: a valid id, state.json through the
 * held root, decoded, and the freezer checked — the first of runc's three
 * status checks. `undefined` hands the container to the careful path.
 */
export const read = (reader: Reader, id: string): Read | undefined => {
  if (!isValid(id)) return undefined
  const content = reader.held.readFile(id, "state.json", maxStateBytes)
  if (typeof content === "string") return undefined
  const saved = decodeState(content)
  if (saved === undefined || saved.config.intel_rdt != null) return undefined
  if (freezerOf(reader.direct, saved, reader.unified) === undefined) return undefined
  return readOf(id, stateDirOf(reader.root, id), saved, reader.held.identity)
}

/** runc's `ErrNotExist` text (`libcontainer/error.go`), as `ContainerError.ErrNotExist` gives it, without loading Effect. */
export const notExistMessage = "container does not exist"

/**
 * Whether `id`'s state file is not there — neither it nor the container's
 * directory — as the lean read resolves it (a symlink on the way fails
 * otherwise, and takes the careful way): what runc's `loadState` reports as
 * `ErrNotExist` (`container does not exist`) after a valid id.
 */
export const isMissing = (reader: Reader, id: string): boolean =>
  isValid(id) && reader.held.readFile(id, "state.json", maxStateBytes) === "ENOENT"

let lastRoot: string | undefined
let lastCleanRoot = ""

/**
 * `clean(root + "/" + id)` for a valid id (no `/`, not `.` or `..`; an empty root is `/`): the
 * root cleaned once for a whole list, then the id appended as it is.
 */
export const stateDirOf = (root: string, id: string): string => {
  if (root !== lastRoot) {
    lastCleanRoot = root === "" ? "/" : clean(root)
    lastRoot = root
  }
  return lastCleanRoot === "/" ? `/${id}` : lastCleanRoot === "." ? id : `${lastCleanRoot}/${id}`
}

/**
 * The rest of runc's status for a container read with a thawed freezer:
 * `stopped` when its init process is gone (runc's `hasInit`, which the
 * caller asked), `created` while `exec.fifo` exists, `running` otherwise.
 */
export const statusAfter = (direct: DirectCalls, read: Read, alive: boolean): Status =>
  !alive ? "stopped" : typeof direct.stat(`${read.stateDir}/exec.fifo`) === "string" ? "running" : "created"

/** A `cgroup.procs` line the lean path takes: a plain decimal pid (anything else, the careful path reads). */
const plainPid = /^[0-9]{1,10}$/

/** The pids of `dir/cgroup.procs` (on cgroupfs, bounded), then of its subdirectories in byte order; false on anything unusual. */
const walkPids = (direct: DirectCalls, dir: string, into: Array<number>): boolean => {
  const content = direct.readFileOn(join(dir, "cgroup.procs"), cgroupTypes, maxCgroupFileBytes)
  if (!(content instanceof Uint8Array)) return false
  let start = 0
  for (let i = 0; i <= content.length; i++) {
    if (i < content.length && content[i] !== 0x0a) continue
    if (i > start) {
      const line = String.fromCharCode(...content.subarray(start, i))
      if (!plainPid.test(line)) return false
      into.push(Number(line))
    }
    start = i + 1
  }
  const entries = direct.readDirectory(dir)
  if (typeof entries === "string") return false
  for (const entry of entries) {
    if (entry.type === "Directory" && !walkPids(direct, join(dir, entry.name), into)) return false
  }
  return true
}

/**
 * runc's `Processes()` (`GetAllPids` of the cgroup: v1 its `devices`
 * path, v2 its unified one) for a container the lean path read: every pid,
 * pre-order, each `cgroup.procs` read on cgroupfs and bounded as the
 * cgroup manager reads it. `undefined` for anything unusual — no such
 * path, a file that does not read, a line that is not a plain pid — which
 * the careful path answers (or refuses) as runc does.
 */
export const allPids = (direct: DirectCalls, read: Read, unified: boolean): ReadonlyArray<number> | undefined => {
  const paths = read.saved.cgroup_paths
  if (paths === null) return undefined
  const key = unified ? "" : "devices"
  if (!hasOwn(paths, key) || paths[key] === "") return undefined
  const path = paths[key]!
  const info = direct.lstat(path)
  if (typeof info === "string") return undefined
  const pids: Array<number> = []
  if (info.type === "Directory" && !walkPids(direct, path, pids)) return undefined
  return pids
}
