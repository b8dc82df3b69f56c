/**
 * Huge page size names (`libcontainer/cgroups/utils.go`
 * `getHugePageSizeFromFilenames`): the entries of `/sys/kernel/mm/hugepages`
 * (`hugepages-2048kB`) as the hugetlb controller names them in its files
 * (`2MB`), which are also the keys of the hugetlb stats.
 */
import * as Strconv from "../../strconv.js"

/** The directory runc lists (once per process) for {@link hugePageSizes}. */
export const hugePagesDir = "/sys/kernel/mm/hugepages"

/** The page size names, and runc's warning for the first entry it skipped (logged, never returned as an error). */
export interface HugePageSizes {
  readonly sizes: ReadonlyArray<string>
  readonly warning: string | undefined
}

/**
 * The page size names of `names`, in their order: `hugepages-<n>kB` becomes
 * `<n/2^20>GB` from 1 GiB, `<n/2^10>MB` from 1 MiB, else `<n>KB` (whole
 * units, as the kernel's `hugetlb_cgroup` names them). Names without the
 * `hugepages-` prefix are skipped silently; a wrong suffix or a size that is
 * not a Go `int` is skipped with a warning (the first one is kept).
 */
export const hugePageSizes = (names: ReadonlyArray<string>): HugePageSizes => {
  const sizes: Array<string> = []
  let warning: string | undefined
  for (const name of names) {
    if (!name.startsWith("hugepages-")) continue
    const rest = name.slice("hugepages-".length)
    if (!rest.endsWith("kB")) {
      warning ??= `${name}: invalid suffix (expected "kB")`
      continue
    }
    const digits = rest.slice(0, -2)
    const size = Strconv.atoi(digits)
    if (size._tag === "Err") {
      warning ??= `${name}: ${Strconv.numErrorText("Atoi", digits, size.kind)}`
      continue
    }
    const n = size.value
    sizes.push(n >= 1n << 20n ? `${n >> 20n}GB` : n >= 1n << 10n ? `${n >> 10n}MB` : `${digits}KB`)
  }
  return { sizes, warning }
}
