/**
 * `compareBytes` computes UTF-8 byte order from UTF-16 code units: the
 * reference is `Buffer.compare` of the encoded strings (which writes a lone
 * surrogate as U+FFFD), over strings built to meet the cases where the two
 * orders part: surrogate pairs against U+E000–U+FFFF, lone surrogates
 * against U+FFFD and against pairs, shared high surrogates, prefixes.
 * `sortByName`, which lets the engine compare when it can, against a sort
 * by `compareBytes`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { compareBytes, sortByName } from "../../src/internal/byteOrder.js"

const reference = (a: string, b: string): number => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))

/** Code units chosen around every boundary that matters, lone surrogates included. */
const unit = FastCheck.oneof(
  FastCheck.constantFrom(0x00, 0x41, 0x61, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xfffe, 0xffff),
  FastCheck.integer({ min: 0xd800, max: 0xdfff }),
  FastCheck.integer({ min: 0, max: 0xffff })
)
const units = FastCheck.array(unit, { maxLength: 8 }).map((us) => String.fromCharCode(...us))
const related = FastCheck.tuple(units, units, units).map(([prefix, x, y]) => [prefix + x, prefix + y] as const)

describe("compareBytes", () => {
  it.prop("orders any two strings as Buffer.compare of their UTF-8 does", [units, units], ([a, b]) => {
    expect(Math.sign(compareBytes(a, b))).toBe(reference(a, b))
  }, { fastCheck: { numRuns: 5000 } })

  it.prop("strings sharing a prefix (a high surrogate ending it, often)", [related], ([[a, b]]) => {
    expect(Math.sign(compareBytes(a, b))).toBe(reference(a, b))
    expect(Math.sign(compareBytes(b, a))).toBe(reference(b, a))
  }, { fastCheck: { numRuns: 5000 } })

  it.prop("any strings, as fast-check makes them", [FastCheck.string({ unit: "binary" }), FastCheck.string({ unit: "binary" })], ([a, b]) => {
    expect(Math.sign(compareBytes(a, b))).toBe(reference(a, b))
  }, { fastCheck: { numRuns: 2000 } })

  it("sorts as Go does where UTF-16 order does not", () => {
    const ids = ["\uffff", "😀", "\ue000", "a", "\ud800", "\ufffd", "\ud83d"]
    expect([...ids].sort(compareBytes)).toEqual([...ids].sort((a, b) => reference(a, b)))
    expect(["😀", "\uffff"].sort(compareBytes)).toEqual(["\uffff", "😀"])
    expect(compareBytes("\ud800", "\ufffd")).toBe(0)
    expect(compareBytes("x\ud83d", "x\ud83d\ude00")).toBeLessThan(0)
  })
})

describe("sortByName", () => {
  const entry = (name: string, i: number) => ({ name, i })
  const sorted = (names: ReadonlyArray<string>) =>
    names.map(entry).sort((a, b) => compareBytes(a.name, b.name)).map((e) => [e.name, e.i])

  it.prop("orders entries as a sort by compareBytes does (surrogates, duplicates, ASCII ids alike)", [
    FastCheck.oneof(
      FastCheck.array(units, { maxLength: 40 }),
      FastCheck.uniqueArray(FastCheck.stringMatching(/^[\w+.-]{1,12}$/), { maxLength: 60 }),
      FastCheck.array(FastCheck.constantFrom("a", "b", "\uffff", "😀", "\ud800", "ab"), { maxLength: 12 })
    )
  ], ([names]) => {
    expect(sortByName(names.map(entry)).map((e) => [e.name, e.i])).toEqual(sorted(names))
  }, { fastCheck: { numRuns: 3000 } })

  it("sorts in place, by code point where a pair and U+FFFF meet", () => {
    const entries = ["\uffff", "😀", "b", "a"].map(entry)
    expect(sortByName(entries)).toBe(entries)
    expect(entries.map((e) => e.name)).toEqual(["a", "b", "\uffff", "😀"])
    expect(sortByName(["b", "a", "c"].map(entry)).map((e) => e.name)).toEqual(["a", "b", "c"])
  })
})
