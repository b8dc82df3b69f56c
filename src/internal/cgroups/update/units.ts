/**
 * Size strings as `runc update` reads them: docker/go-units v0.4.0
 * `RAMInBytes` (`256m`, `1.5g`, `512KiB`, `1024`), binary multiples,
 * case-insensitive units, the `b` optional.
 */
import * as Either from "effect/Either"
import * as Strconv from "../../strconv.js"

const sizePattern = /^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/

const multipliers: Readonly<Record<string, number>> = {
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5
}

const minInt64 = -(1n << 63n)
const twoTo63 = 2 ** 63

/**
 * go-units `RAMInBytes(size)`: the number of bytes, or go-units' error text
 * — `invalid size: '<size>'` when the pattern does not match, Go's
 * `strconv.ParseFloat` error for a number with several dots or beyond float64.
 *
 * The arithmetic is go-units': the number is a float64, multiplied by the
 * unit, then converted to int64 as Go does on amd64 — truncated, and
 * −2^63 when it does not fit (`10000000000000000000` gives
 * −9223372036854775808, no error).
 */
export const ramInBytes = (size: string): Either.Either<bigint, string> => {
  const m = sizePattern.exec(size)
  if (m === null) return Either.left(`invalid size: '${size}'`)
  const number = m[1]!
  if (number.indexOf(".") !== number.lastIndexOf(".")) {
    return Either.left(`strconv.ParseFloat: parsing ${Strconv.quote(number)}: invalid syntax`)
  }
  let value = Number(number)
  if (!Number.isFinite(value)) return Either.left(`strconv.ParseFloat: parsing ${Strconv.quote(number)}: value out of range`)
  const unit = m[3]?.toLowerCase()
  if (unit !== undefined) value *= multipliers[unit]!
  return Either.right(value >= twoTo63 || Number.isNaN(value) ? minInt64 : BigInt(Math.trunc(value)))
}
