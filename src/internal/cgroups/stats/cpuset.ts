/**
 * Cpuset list parsing (`libcontainer/cgroups/fs/cpuset.go` `getCpusetStat`):
 * `cpuset.cpus` / `cpuset.mems` such as `0-3,8,10-11` expanded to the
 * numbers they name, each a Go uint16.
 */
import * as Either from "effect/Either"
import { CgroupParseError } from "./errors.js"
import { parseUintError, splitN, trimSpace } from "./goText.js"
import { parseUint } from "../../strconv.js"

/**
 * The most numbers one list may expand to: every uint16 once. The kernel
 * writes these lists normalised (sorted, no overlaps), so a real file never
 * comes near; a hostile one repeating `0-65535` would otherwise make runc's
 * algorithm allocate without bound, and is refused with the reason
 * `too many entries` instead (a text runc does not have).
 */
export const maxCpusetEntries = 65536

/**
 * A cpuset list file's content (untrimmed, as read) to its numbers, with
 * runc's failures: `empty file`, `extra dash`, `invalid values, min > max`
 * and `strconv.ParseUint` errors for 16-bit numbers, each as a
 * {@link CgroupParseError} on `path/file`.
 */
export const parseCpusetList = (
  path: string,
  file: string,
  content: string
): Either.Either<ReadonlyArray<number>, CgroupParseError> => {
  const fail = (reason: string) => Either.left(new CgroupParseError({ path, file, reason }))
  const text = trimSpace(content)
  if (text === "") return fail("empty file")
  const out: Array<number> = []
  for (const item of text.split(",")) {
    const bounds = splitN(item, "-", 3)
    if (bounds.length === 3) return fail("extra dash")
    if (bounds.length === 2) {
      const min = parseUint(bounds[0]!, 10, 16)
      if (min._tag === "Err") return fail(parseUintError(bounds[0]!, min.kind))
      const max = parseUint(bounds[1]!, 10, 16)
      if (max._tag === "Err") return fail(parseUintError(bounds[1]!, max.kind))
      if (min.value > max.value) return fail("invalid values, min > max")
      if (out.length + Number(max.value - min.value) + 1 > maxCpusetEntries) return fail("too many entries")
      for (let i = Number(min.value); i <= Number(max.value); i++) out.push(i)
    } else {
      const value = parseUint(item, 10, 16)
      if (value._tag === "Err") return fail(parseUintError(item, value.kind))
      if (out.length + 1 > maxCpusetEntries) return fail("too many entries")
      out.push(Number(value.value))
    }
  }
  return Either.right(out)
}
