import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import * as ProcStat from "../../src/internal/procStat.js"
import * as Procfs from "../../src/node/procfs.js"

const ok = (line: string | Uint8Array) => Either.getOrThrow(ProcStat.parseStat(line))
const failure = (line: string | Uint8Array): string => {
  const result = ProcStat.parseStat(line)
  if (Either.isRight(result)) throw new Error(`parsed: ${JSON.stringify(result.right, (_, v) => typeof v === "bigint" ? String(v) : v)}`)
  expect(result.left._tag).toBe("StatParseError")
  return result.left.message
}

const zeros = (n: number): string => Array<string>(n).fill("0").join(" ")

describe("parseStat (factory-tests.md §6 valid inputs)", () => {
  const valid: ReadonlyArray<readonly [string, string, string, bigint]> = [
    [
      "4902 (gunicorn: maste) S 4885 4902 4902 0 -1 4194560 29683 29929 61 83 78 16 96 17 20 0 1 0 9126532 52965376 1903 18446744073709551615 4194304 7461796 140733928751520 140733928698072 139816984959091 0 0 16781312 137447943 1 0 0 17 3 0 0 9 0 0 9559488 10071156 33050624 140733928758775 140733928758945 140733928758945 140733928759264 0",
      "gunicorn: maste",
      "S",
      9126532n
    ],
    [
      "9534 (cat) R 9323 9534 9323 34828 9534 4194304 95 0 0 0 0 0 0 0 20 0 1 0 9214966 7626752 168 18446744073709551615 4194304 4240332 140732237651568 140732237650920 140570710391216 0 0 0 0 0 0 0 17 1 0 0 0 0 0 6340112 6341364 21553152 140732237653865 140732237653885 140732237653885 140732237656047 0",
      "cat",
      "R",
      9214966n
    ],
    [
      "12345 ((ugly )pr()cess() R 9323 9534 9323 34828 9534 4194304 95 0 0 0 0 0 0 0 20 0 1 0 9214966 7626752 168 18446744073709551615 4194304 4240332 140732237651568 140732237650920 140570710391216 0 0 0 0 0 0 0 17 1 0 0 0 0 0 6340112 6341364 21553152 140732237653865 140732237653885 140732237653885 140732237656047 0",
      "(ugly )pr()cess(",
      "R",
      9214966n
    ],
    [
      "24767 (irq/44-mei_me) S 2 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 -51 0 1 0 8722075 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 1 50 1 0 0 0 0 0 0 0 0 0 0 0",
      "irq/44-mei_me",
      "S",
      8722075n
    ],
    ["0 () I 3 " + zeros(48), "", "I", 0n],
    ["1 (woo hoo) S 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4 ", "woo hoo", "S", 4n]
  ]
  for (const [line, name, state, startTime] of valid) {
    it(`parses ${JSON.stringify(name)}`, () => {
      expect(ok(line)).toEqual({ name, state, startTime })
    })
  }
})

describe("parseStat (factory-tests.md §6 inputs that must fail)", () => {
  const noComm = (data: string) => `invalid stat data (no comm or too short): "${data}"`
  const invalid: ReadonlyArray<readonly [string, string, string]> = [
    ["no (", "123 ) S 2 " + zeros(48), noComm("123 ) S 2 " + zeros(48))],
    ["no )", "123 ( S 2 " + zeros(48), noComm("123 ( S 2 " + zeros(48))],
    [") at end", "123 (cmd) S 2 " + zeros(47) + " 0)", noComm("123 (cmd) S 2 " + zeros(47) + " 0)")],
    ["misplaced ()", "123 )one( S 2 " + zeros(48), noComm("123 )one( S 2 " + zeros(48))],
    ["misplaced empty ()", "123 )( S 2 " + zeros(48), noComm("123 )( S 2 " + zeros(48))],
    ["empty line", "", noComm("")],
    ["short line", "123 (cmd) S 2 " + zeros(15), noComm("123 (cmd) S 2 " + zeros(15))],
    [
      "no space after start time",
      "123 (cmd) S 2 " + zeros(17) + " 42",
      `invalid stat data (too short): "S 2 ${zeros(17)} 42"`
    ],
    [
      "bad start time (-1)",
      "123 (cmd) S 2 " + zeros(17) + " -1 ",
      "invalid stat data (bad start time): strconv.ParseUint: parsing \"-1\": invalid syntax"
    ],
    ["bad start time 2", "123 (cmd) S" + " ".repeat(19) + "-1 ", noComm("123 (cmd) S" + " ".repeat(19) + "-1 ")],
    ["a tad short", "1234 (cmd) ", noComm("1234 (cmd) ")],
    // One byte shorter than "no space after start time", so the length check catches it first.
    ["bad start time (no trailing space)", "123 (cmd) S 2 " + zeros(17) + " 1", noComm("123 (cmd) S 2 " + zeros(17) + " 1")]
  ]
  for (const [description, line, message] of invalid) {
    it(`rejects: ${description}`, () => {
      expect(failure(line)).toBe(message)
    })
  }

  it("reports an empty and an overflowing start time as Go's ParseUint does", () => {
    expect(failure("1 (x) S " + zeros(18) + "  " + zeros(30))).toBe(
      "invalid stat data (bad start time): strconv.ParseUint: parsing \"\": invalid syntax"
    )
    expect(ok("1 (x) S " + zeros(18) + " 18446744073709551615 " + zeros(30)).startTime).toBe(18446744073709551615n)
    expect(failure("1 (x) S " + zeros(18) + " 18446744073709551616 " + zeros(30))).toBe(
      "invalid stat data (bad start time): strconv.ParseUint: parsing \"18446744073709551616\": value out of range"
    )
  })

  it("works on bytes: a non-UTF-8 name decodes with U+FFFD and quotes as \\xNN", () => {
    const line = Buffer.concat([Buffer.from("7 ("), Buffer.from([0xff, 0x29]), Buffer.from(") T " + zeros(18) + " 77 0")])
    expect(ok(line)).toEqual({ name: "\ufffd)", state: "T", startTime: 77n })
    const short = Buffer.concat([Buffer.from("7 ("), Buffer.from([0xff]), Buffer.from(")\n")])
    expect(failure(short)).toBe("invalid stat data (no comm or too short): \"7 (\\xff)\\n\"")
  })
})

describe("parseStat properties", () => {
  const comm = FastCheck.string({
    unit: FastCheck.oneof(
      FastCheck.constantFrom("(", ")", " ", ") (", ")(", "() ", "\n", "\t"),
      FastCheck.string({ unit: "binary", minLength: 1, maxLength: 1 })
    ),
    maxLength: 16
  })
  const field = FastCheck.oneof(FastCheck.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), FastCheck.constant(0n))
  const stateLetter = FastCheck.constantFrom("R", "S", "D", "T", "t", "Z", "X", "P", "I")

  it("recovers name, state and start time from any well-formed line", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.integer({ min: 0, max: 4194304 }),
        comm,
        stateLetter,
        FastCheck.array(field, { minLength: 18, maxLength: 18 }),
        FastCheck.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        FastCheck.array(field, { minLength: 1, maxLength: 30 }),
        (pid, name, state, before, start, after) => {
          const line = `${pid} (${name}) ${state} ${before.join(" ")} ${start} ${after.join(" ")}\n`
          expect(ok(line)).toEqual({ name, state, startTime: start })
        }
      )
    )
  })

  it("never throws on arbitrary input; failures are typed", () => {
    const check = (input: string | Uint8Array) => {
      const result = ProcStat.parseStat(input)
      return Either.isRight(result) || result.left.message.startsWith("invalid stat data (")
    }
    FastCheck.assert(FastCheck.property(FastCheck.uint8Array({ maxLength: 200 }), check))
    FastCheck.assert(FastCheck.property(FastCheck.string(), check))
    FastCheck.assert(
      FastCheck.property(
        comm,
        FastCheck.array(FastCheck.constantFrom("0", "-1", "", " ", "x", ")", "99999999999999999999"), { maxLength: 60 }),
        (name, fields) => check(`1 (${name}) ${fields.join(" ")}`)
      )
    )
  })
})

describe("isLiveStat against parseStat", () => {
  /** What isAlive asked of parseStat before: it parses, the start time is `start`, and the state is neither Z nor X. */
  const reference = (data: Uint8Array, start: bigint): boolean => {
    const parsed = ProcStat.parseStat(data)
    return Either.isRight(parsed) && parsed.right.startTime === start && parsed.right.state !== "Z" && parsed.right.state !== "X"
  }
  const bytes = (s: string) => Buffer.from(s, "latin1")
  const comm = FastCheck.string({
    unit: FastCheck.oneof(FastCheck.constantFrom("(", ")", " ", ") (", ")(", "\n"), FastCheck.string({ maxLength: 1 })),
    maxLength: 12
  })
  /** A start-time field: a number, with leading zeros, beyond 2^64, signed, empty, or not a number at all. */
  const startField = FastCheck.oneof(
    FastCheck.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
    FastCheck.tuple(FastCheck.integer({ min: 1, max: 3 }), FastCheck.bigInt({ min: 0n, max: 10n ** 6n })).map(([z, n]) => "0".repeat(z) + String(n)),
    FastCheck.constantFrom("", "0", "00", "18446744073709551615", "18446744073709551616", "99999999999999999999999", "+5", "-5", "5x", "x", "1_0")
  )
  const otherField = FastCheck.oneof(FastCheck.bigInt({ min: -1n, max: 2n ** 64n - 1n }).map(String), FastCheck.constantFrom("", "x", ")"))
  const state = FastCheck.constantFrom("R", "S", "Z", "X", "z", "", " ")

  it.prop("agrees on stat lines of every shape, for the line's own start time and for others", [
    FastCheck.integer({ min: 0, max: 4194304 }),
    comm,
    state,
    // mostly the 18 fields that put the start time at field 22, sometimes any number of any
    FastCheck.oneof(
      { arbitrary: FastCheck.array(FastCheck.nat().map(String), { minLength: 18, maxLength: 18 }), weight: 3 },
      { arbitrary: FastCheck.array(otherField, { maxLength: 19 }), weight: 1 }
    ),
    startField,
    FastCheck.array(otherField, { maxLength: 4 }),
    FastCheck.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    FastCheck.nat({ max: 200 })
  ], ([pid, name, letter, before, start, after, other, cut]) => {
    const line = `${pid} (${name}) ${letter} ${before.join(" ")} ${start} ${after.join(" ")}\n`
    for (const text of [line, line.slice(0, cut)]) {
      const data = bytes(text)
      const own = /^[0-9]+$/.test(start) ? BigInt(start) : 0n
      for (const candidate of [own, other, own + 1n]) {
        expect(ProcStat.isLiveStat(data, candidate), `${JSON.stringify(text)} ${candidate}`).toBe(reference(data, candidate))
      }
    }
  }, { fastCheck: { numRuns: 3000 } })

  it.prop("agrees on arbitrary bytes", [FastCheck.uint8Array({ maxLength: 120 }), FastCheck.bigInt({ min: 0n, max: 99n })], ([data, start]) => {
    expect(ProcStat.isLiveStat(data, start)).toBe(reference(data, start))
  }, { fastCheck: { numRuns: 2000 } })

  it("a live process, a zombie, and a start time with leading zeros", () => {
    const fields = (state: string, start: string) => bytes(`7 (a b) ${state} ${Array(18).fill("0").join(" ")} ${start} 0\n`)
    expect(ProcStat.isLiveStat(fields("S", "88594"), 88594n)).toBe(true)
    expect(ProcStat.isLiveStat(fields("S", "00088594"), 88594n)).toBe(true)
    expect(ProcStat.isLiveStat(fields("Z", "88594"), 88594n)).toBe(false)
    expect(ProcStat.isLiveStat(fields("X", "88594"), 88594n)).toBe(false)
    expect(ProcStat.isLiveStat(fields("S", "88595"), 88594n)).toBe(false)
    expect(ProcStat.isLiveStat(fields("S", "0"), 0n)).toBe(true)
  })
})

describe("readStat on the real /proc", () => {
  it.effect("reads this process: the start time is field 22 counted after the last ')'", () =>
    Effect.gen(function*() {
      const stat = yield* Procfs.readStat(process.pid)
      const raw = readFileSync(`/proc/${process.pid}/stat`, "latin1")
      const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ")
      expect(stat.state).toBe(fields[0])
      expect(stat.startTime).toBe(BigInt(fields[19]!))
      expect(stat.name).toBe(raw.slice(raw.indexOf("(") + 1, raw.lastIndexOf(")")))
    }))

  it.effect("a missing pid fails like Go's os.ReadFile", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Procfs.readStat(999999999))
      expect(error._tag).toBe("SystemError")
      expect(error.message).toBe("open /proc/999999999/stat: no such file or directory")
    }))

  it.effect("a procfs root can be given", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Procfs.readStat(1, "/nonexistent-proc"))
      expect(error.message).toBe("open /nonexistent-proc/1/stat: no such file or directory")
    }))
})
