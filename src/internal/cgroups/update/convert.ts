/**
 * The cgroup v1 → v2 value conversions runc applies
 * (`libcontainer/cgroups/utils.go` `ConvertCPUSharesToCgroupV2Value`,
 * `ConvertMemorySwapToCgroupV2Value`, `ConvertBlkIOToIOWeightValue`, and
 * fs2's `numToStr`), in Go's uint64/int64 arithmetic.
 */
import * as Either from "effect/Either"

const u64 = (n: bigint): bigint => BigInt.asUintN(64, n)

/**
 * cpu shares (2..262144) to `cpu.weight` (1..10000): `1 + (shares−2)·9999/262142`,
 * 0 staying 0. Out-of-range shares wrap as runc's uint64 arithmetic does
 * (shares 1 gives a huge weight the kernel then refuses).
 */
export const convertCpuSharesToV2 = (shares: bigint): bigint =>
  shares === 0n ? 0n : u64(1n + u64(u64(shares - 2n) * 9999n) / 262142n)

/**
 * blkio weight (10..1000) to `io.weight` (1..10000): `1 + (weight−10)·9999/990`,
 * 0 staying 0 (uint64 arithmetic: weights below 10 wrap).
 */
export const convertBlkioToIoWeight = (weight: number): bigint =>
  weight === 0 ? 0n : u64(1n + u64(u64(BigInt(weight) - 10n) * 9999n) / 990n)

/**
 * The v1 `memory.memsw` limit (memory + swap) to v2's `memory.swap.max`
 * (swap alone): −1 and 0 pass through; memory −1 with swap unset is −1
 * (both unlimited); otherwise `swap − memory`, with runc's checks.
 */
export const convertMemorySwapToV2 = (memorySwap: bigint, memory: bigint): Either.Either<bigint, string> => {
  if (memory === -1n && memorySwap === 0n) return Either.right(-1n)
  if (memorySwap === -1n || memorySwap === 0n) return Either.right(memorySwap)
  if (memory === 0n || memory === -1n) return Either.left("unable to set swap limit without memory limit")
  if (memory < 0n) return Either.left(`invalid memory value: ${memory}`)
  if (memorySwap < memory) return Either.left("memory+swap limit should be >= memory limit")
  return Either.right(memorySwap - memory)
}

/** fs2's `numToStr`: 0 is "" (leave alone), −1 is `max`, anything else its decimal text. */
export const numToStr = (value: bigint): string => (value === 0n ? "" : value === -1n ? "max" : value.toString())
