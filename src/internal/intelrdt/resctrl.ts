/**
 * Pure pieces of runc's `intelrdt` package shared by the real and the
 * simulated resctrl: the filesystem magic, `mon_features` parsing, the uint
 * parsing runc applies to resctrl files, Go's whitespace trimming and path
 * joining.
 */
import * as Option from "effect/Option"
import * as Path from "../path.js"
import * as Strconv from "../strconv.js"

/** `RDTGROUP_SUPER_MAGIC`: `statfs(2)`'s `f_type` on a resctrl mount. */
export const RDTGROUP_SUPER_MAGIC = 0x7655821

/** Where the kernel creates the resctrl mount point when the hardware supports it. */
export const defaultMountpoint = "/sys/fs/resctrl"

/** The monitoring events runc knows, as listed in `info/L3_MON/mon_features`. */
export interface MonFeatures {
  readonly mbmTotalBytes: boolean
  readonly mbmLocalBytes: boolean
  readonly llcOccupancy: boolean
}

/** The result of {@link parseMonFeatures}: the flags and the lines runc warns about. */
export interface ParsedMonFeatures {
  readonly features: MonFeatures
  readonly unsupported: ReadonlyArray<string>
}

/**
 * runc's `parseMonFeatures`: one feature per line (Go `bufio.Scanner`
 * lines: a trailing `\r` is dropped, no final empty line), exact names only;
 * other lines are reported back for runc's warning
 * `Unsupported Intel RDT monitoring feature: <line>`.
 */
export const parseMonFeatures = (content: string): ParsedMonFeatures => {
  const lines = content.split("\n")
  if (content === "" || content.endsWith("\n")) lines.pop()
  let mbmTotalBytes = false
  let mbmLocalBytes = false
  let llcOccupancy = false
  const unsupported: Array<string> = []
  for (const raw of lines) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw
    if (line === "mbm_total_bytes") mbmTotalBytes = true
    else if (line === "mbm_local_bytes") mbmLocalBytes = true
    else if (line === "llc_occupancy") llcOccupancy = true
    else unsupported.push(line)
  }
  return { features: { mbmTotalBytes, mbmLocalBytes, llcOccupancy }, unsupported }
}

const edgeSpace = /^\p{White_Space}+|\p{White_Space}+$/gu

/** Go's `strings.TrimSpace` / `bytes.TrimSpace`: Unicode white space at both ends. */
export const trimSpace = (s: string): string => s.replace(edgeSpace, "")

/**
 * runc's `fscommon.ParseUint(s, 10, 64)`: base-10 uint64, where a negative
 * number (even one below int64's range) reads as 0. None on any other failure.
 */
export const parseUint = (s: string): Option.Option<bigint> => {
  const unsigned = Strconv.parseUint(s)
  if (unsigned._tag === "Ok") return Option.some(unsigned.value)
  const signed = Strconv.parseInt(s)
  if (signed.value < 0n && (signed._tag === "Ok" || signed.kind === "range")) return Option.some(0n)
  return Option.none()
}

/** Go's `filepath.Join` of any number of elements (empty ones dropped; all empty gives `""`). */
export const join = (...elements: ReadonlyArray<string>): string => elements.reduce(Path.join, "")
