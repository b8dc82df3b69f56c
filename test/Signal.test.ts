import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Signal from "../src/Signal.js"
import * as Strconv from "../src/internal/strconv.js"

const parsed = (raw: string): number => Either.getOrThrow(Signal.parse(raw))
const rejected = (raw: string): string => {
  const result = Signal.parse(raw)
  if (Either.isRight(result)) throw new Error(`${JSON.stringify(raw)} parsed as ${result.right}`)
  expect(result.left._tag).toBe("UnknownSignal")
  return result.left.message
}

describe("Signal.parse (runc kill's parseSignal)", () => {
  it("accepts a name in any case, with or without SIG", () => {
    for (const raw of ["9", "KILL", "kill", "Kill", "SIGKILL", "sigkill", "SigKill", "sIgKiLl"]) {
      expect(parsed(raw), raw).toBe(9)
    }
    expect(parsed("TERM")).toBe(15)
    expect(parsed("stop")).toBe(19)
    expect(parsed("SIGCONT")).toBe(18)
    expect(parsed("STKFLT")).toBe(16)
    expect(parsed("pwr")).toBe(30)
  })

  it("takes any Go Atoi integer as the number, without range checks", () => {
    expect(parsed("+9")).toBe(9)
    expect(parsed("009")).toBe(9)
    expect(parsed("-9")).toBe(-9)
    expect(parsed("0")).toBe(0)
    expect(parsed("100")).toBe(100)
    expect(parsed("9223372036854775807")).toBe(Number(9223372036854775807n))
  })

  it("folds case like Go's strings.ToUpper, code point by code point", () => {
    // U+017F (long s) and U+0131 (dotless i) upper-case to ASCII S and I in Go too.
    expect(parsed("\u017figk\u0131ll")).toBe(9)
    // JavaScript's full mapping would turn U+FB06 (the st ligature) into "ST"; Go's simple mapping keeps it.
    expect(rejected("\ufb06op")).toBe("unknown signal \"\ufb06op\"")
  })

  it("rejects what unix.SignalNum does not know, with runc's text", () => {
    expect(rejected("FOO")).toBe("unknown signal \"FOO\"")
    expect(rejected("")).toBe("unknown signal \"\"")
    expect(rejected("SIG")).toBe("unknown signal \"SIG\"")
    expect(rejected("SIGSIGKILL")).toBe("unknown signal \"SIGSIGKILL\"")
    expect(rejected("IOT")).toBe("unknown signal \"IOT\"")
    expect(rejected("CLD")).toBe("unknown signal \"CLD\"")
    expect(rejected("RTMIN")).toBe("unknown signal \"RTMIN\"")
    expect(rejected(" 9")).toBe("unknown signal \" 9\"")
    expect(rejected("0x9")).toBe("unknown signal \"0x9\"")
    expect(rejected("kill\n")).toBe("unknown signal \"kill\\n\"")
    expect(rejected("99999999999999999999")).toBe("unknown signal \"99999999999999999999\"")
    expect(rejected("t\u00e9rm\u0000")).toBe("unknown signal \"t\u00e9rm\\x00\"")
  })

  it("maps names and numbers both ways", () => {
    expect(Object.keys(Signal.names)).toHaveLength(31)
    for (const [name, number] of Object.entries(Signal.names)) {
      expect(Signal.nameOf(number)).toEqual(Option.some(name))
      expect(Signal.numberOf(name)).toEqual(Option.some(number))
      expect(parsed(name.slice(3).toLowerCase())).toBe(number)
    }
    expect(Signal.nameOf(0)).toEqual(Option.none())
    expect(Signal.numberOf("kill")).toEqual(Option.none())
    expect(Signal.numberOf("constructor")).toEqual(Option.none())
  })

  it("checks the kernel's range", () => {
    expect([0, 1, 9, 64].every(Signal.isValid)).toBe(true)
    expect([-1, 65, 1.5, Number.NaN].some(Signal.isValid)).toBe(false)
  })

  it("property: integers round-trip and nothing throws", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.integer({ min: -(2 ** 31), max: 2 ** 31 }), (n) => parsed(String(n)) === n)
    )
    FastCheck.assert(
      FastCheck.property(FastCheck.string({ unit: "binary" }), (raw) => {
        const result = Signal.parse(raw)
        return Either.isRight(result) || result.left.message === `unknown signal ${Strconv.quote(raw)}`
      })
    )
  })
})

describe("Go strconv", () => {
  it("quotes like %q", () => {
    expect(Strconv.quote("plain")).toBe("\"plain\"")
    expect(Strconv.quote("a\"b\\c")).toBe("\"a\\\"b\\\\c\"")
    expect(Strconv.quote("\u0007\b\f\n\r\t\u000b")).toBe("\"\\a\\b\\f\\n\\r\\t\\v\"")
    expect(Strconv.quote("\u0000\u001f\u007f")).toBe("\"\\x00\\x1f\\x7f\"")
    expect(Strconv.quote("\u00a0\u00ad\u2028")).toBe("\"\\u00a0\\u00ad\\u2028\"")
    expect(Strconv.quote("h\u00e9 \u65e5\u{1f600}")).toBe("\"h\u00e9 \u65e5\u{1f600}\"")
    expect(Strconv.quote("\u{e0001}")).toBe("\"\\U000e0001\"")
    expect(Strconv.quote(new Uint8Array([0x61, 0xff, 0xc3]))).toBe("\"a\\xff\\xc3\"")
    // an encoded surrogate (ED A0 80) is invalid UTF-8 in Go: three escaped bytes
    expect(Strconv.quote(new Uint8Array([0xed, 0xa0, 0x80]))).toBe("\"\\xed\\xa0\\x80\"")
  })

  it("parses base-10 uint64 and int64 with Go's verdicts", () => {
    expect(Strconv.parseUint("18446744073709551615")).toEqual({ _tag: "Ok", value: 18446744073709551615n })
    expect(Strconv.parseUint("18446744073709551616")._tag).toBe("Err")
    expect(Strconv.parseUint("18446744073709551616x")).toMatchObject({ kind: "range" })
    expect(Strconv.parseUint("1x8446744073709551616")).toMatchObject({ kind: "syntax" })
    expect(Strconv.parseUint("+1")).toMatchObject({ kind: "syntax" })
    expect(Strconv.parseUint("")).toMatchObject({ kind: "syntax" })
    expect(Strconv.parseInt("-9223372036854775808")).toEqual({ _tag: "Ok", value: -9223372036854775808n })
    expect(Strconv.parseInt("-9223372036854775809")).toEqual({ _tag: "Err", kind: "range", value: -9223372036854775808n })
    expect(Strconv.parseInt("9223372036854775808")).toEqual({ _tag: "Err", kind: "range", value: 9223372036854775807n })
    expect(Strconv.parseInt("-")).toMatchObject({ kind: "syntax" })
    expect(Strconv.numErrorText("ParseUint", "-1", "syntax")).toBe("strconv.ParseUint: parsing \"-1\": invalid syntax")
  })
})
