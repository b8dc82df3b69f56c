import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import {
  decodeProcess,
  decodeSpec,
  encodeProcess,
  encodeSpec,
  loadSpec,
  validateProcessSpec
} from "../../../src/internal/specconv/load.js"
import * as Spec from "../../../src/internal/specconv/spec.js"
import { parseJson } from "../../../src/internal/json/GoJson.js"

const bytes = (s: string) => new TextEncoder().encode(s)
const reason = (text: string | Uint8Array) => Either.getOrThrow(Either.flip(decodeSpec(text))).message

describe("Go's decoder syntax errors", () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    ["", "EOF"],
    [" \n\t", "EOF"],
    ["{", "unexpected EOF"],
    ["{\"a\":[1,2", "unexpected EOF"],
    ["{\"a\":1,}", "invalid character '}' looking for beginning of object key string"],
    ["{\"a\" 1}", "invalid character '1' after object key"],
    ["{\"a\":1 \"b\":2}", "invalid character '\"' after object key:value pair"],
    ["{\"a\":[1 2]}", "invalid character '2' after array element"],
    ["{\"a\":\"\u0001\"}", "invalid character '\\x01' in string literal"],
    ["{\"a\":\"\n\"}", "invalid character '\\n' in string literal"],
    ["{\"a\":\"\\q\"}", "invalid character 'q' in string escape code"],
    ["{\"a\":\"\\u12x4\"}", "invalid character 'x' in \\u hexadecimal character escape"],
    ["{\"a\":-}", "invalid character '}' in numeric literal"],
    ["{\"a\":1.}", "invalid character '}' after decimal point in numeric literal"],
    ["{\"a\":1e}", "invalid character '}' in exponent of numeric literal"],
    ["{\"a\":1e+}", "invalid character '}' in exponent of numeric literal"],
    ["{\"a\":nul}", "invalid character '}' in literal null (expecting 'l')"],
    ["{\"a\":fals }", "invalid character ' ' in literal false (expecting 'e')"],
    ["{\"a\":01}", "invalid character '1' after object key:value pair"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ["\u00e9", "invalid character 'Ã' looking for beginning of value"],
    ["{\"a\":\u00a0}", "invalid character 'Â' looking for beginning of value"]
  ]
  for (const [input, expected] of table) {
    it(JSON.stringify(input), () => {
      expect(reason(input)).toBe(expected)
      expect(reason(bytes(input))).toBe(expected)
    })
  }

  it("escapes a byte Go cannot print", () => {
    expect(reason(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x85, 0x7d]))).toBe(
      "invalid character '\\u0085' looking for beginning of value"
    )
    expect(reason(new Uint8Array([0x7b, 0x7f]))).toBe("invalid character '\\x7f' looking for beginning of object key string")
  })

  it("reads only the first value, as the decoder does", () => {
    expect(reason("0{}")).toBe("json: cannot unmarshal number into Go value of type specs.Spec")
    expect(Either.isRight(decodeSpec("{} trailing {"))).toBe(true)
    expect(reason("12 x")).toBe("json: cannot unmarshal number into Go value of type specs.Spec")
    expect(Either.isRight(decodeSpec("{\"ociVersion\":\"1\"}\n]]]"))).toBe(true)
  })

  it("refuses nesting beyond Go's limit", () => {
    expect(reason("[".repeat(10001))).toBe("invalid character '[' exceeded max depth")
    expect(reason("[".repeat(10000) + "]".repeat(10000))).toBe("json: cannot unmarshal array into Go value of type specs.Spec")
  })
})

describe("Go's type errors, naming the innermost struct and the JSON path", () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    ["{\"process\":{\"user\":{\"uid\":\"0\"}}}", "json: cannot unmarshal string into Go struct field User.process.user.uid of type uint32"],
    ["{\"PROCESS\":{\"User\":{\"UID\":4294967296}}}", "json: cannot unmarshal number 4294967296 into Go struct field User.process.user.uid of type uint32"],
    ["{\"process\":{\"args\":\"sh\"}}", "json: cannot unmarshal string into Go struct field Process.process.args of type []string"],
    ["{\"process\":{\"args\":[1]}}", "json: cannot unmarshal number into Go struct field Process.process.args of type string"],
    [
      "{\"linux\":{\"seccomp\":{\"syscalls\":[{\"args\":[{\"index\":\"0\"}]}]}}}",
      "json: cannot unmarshal string into Go struct field LinuxSeccompArg.linux.seccomp.syscalls.args.index of type uint"
    ],
    [
      "{\"linux\":{\"devices\":[{\"fileMode\":-1}]}}",
      "json: cannot unmarshal number -1 into Go struct field LinuxDevice.linux.devices.fileMode of type fs.FileMode"
    ],
    ["{\"linux\":{\"sysctl\":{\"a\":1}}}", "json: cannot unmarshal number into Go struct field Linux.linux.sysctl of type string"],
    ["{\"hooks\":{\"poststop\":[{\"timeout\":1.5}]}}", "json: cannot unmarshal number 1.5 into Go struct field Hook.hooks.poststop.timeout of type int"],
    ["{\"root\":[]}", "json: cannot unmarshal array into Go struct field Spec.root of type specs.Root"],
    ["\"x\"", "json: cannot unmarshal string into Go value of type specs.Spec"]
  ]
  for (const [input, expected] of table) {
    it(expected, () => expect(reason(input)).toBe(expected))
  }

  it("roots a process document at Process", () => {
    expect(Either.getOrThrow(Either.flip(decodeProcess("{\"user\":{\"gid\":true}}"))).message).toBe(
      "json: cannot unmarshal bool into Go struct field User.user.gid of type uint32"
    )
  })
})

describe("round trips", () => {
  const recorded = JSON.parse(readFileSync(new URL("../../fixtures/specconv/cases.json", import.meta.url), "utf8")) as ReadonlyArray<
    { readonly name: string; readonly config: string }
  >

  for (const file of ["runc-spec.json", "runc-spec-rootless.json"]) {
    it(`${file}: runc spec's output decodes and re-encodes to the same document`, () => {
      const text = readFileSync(new URL(`../../fixtures/specconv/${file}`, import.meta.url), "utf8")
      const again = Either.getOrThrow(encodeSpec(Either.getOrThrow(decodeSpec(text))))
      expect(Either.getOrThrow(parseJson(again))).toEqual(Either.getOrThrow(parseJson(text)))
    })
  }

  it("every recorded bundle writes the same text after one more read", () => {
    // An empty list is kept when read (runc's conversion tells [] from nil)
    // but omitted when written, as Go does: so compare written texts.
    let decoded = 0
    for (const c of recorded) {
      const spec = decodeSpec(c.config)
      if (Either.isLeft(spec)) continue
      decoded++
      const text = Either.getOrThrow(encodeSpec(spec.right))
      expect(Either.getOrThrow(encodeSpec(Either.getOrThrow(decodeSpec(text))))).toBe(text)
    }
    expect(decoded).toBeGreaterThan(50)
    const emptyKept = Either.getOrThrow(decodeSpec("{\"linux\":{\"maskedPaths\":[]}}"))
    expect(emptyKept.linux?.maskedPaths).toEqual([])
    expect(Either.getOrThrow(encodeSpec(emptyKept))).toBe("{\"ociVersion\":\"\",\"linux\":{}}")
  })

  it("any spec survives encode then decode", () => {
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(Spec.Spec), (spec) => {
        const text = Either.getOrThrow(encodeSpec(spec))
        expect(Either.getOrThrow(decodeSpec(text))).toEqual(spec)
      }),
      { numRuns: 300 }
    )
  })

  it("writes a process file as json.Marshal writes specs.Process", () => {
    expect(Either.getOrThrow(encodeProcess({ user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/", terminal: true, env: [] })))
      .toBe("{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"}")
    const process = Either.getOrThrow(decodeProcess("{\"user\":{\"uid\":1,\"gid\":2,\"umask\":0},\"cwd\":\"/x\",\"args\":[\"a\"]}"))
    expect(Either.getOrThrow(encodeProcess(process))).toBe(
      "{\"user\":{\"uid\":1,\"gid\":2,\"umask\":0},\"args\":[\"a\"],\"cwd\":\"/x\"}"
    )
  })
})

describe("validateProcessSpec", () => {
  const p = { user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh"] }
  const message = (process: Spec.Process | undefined, selinuxEnabled = false) =>
    Either.match(validateProcessSpec(process, { selinuxEnabled }), { onLeft: (e) => e.message, onRight: () => "ok" })

  it("checks in runc's order with runc's words", () => {
    expect(message(undefined)).toBe("process property must not be empty")
    expect(message({ ...p, cwd: "", args: [] })).toBe("Cwd property must not be empty")
    expect(message({ ...p, cwd: "x", args: [] })).toBe("Cwd must be an absolute path")
    expect(message({ ...p, args: [] })).toBe("args must not be empty")
    expect(message({ ...p, selinuxLabel: "l" })).toBe("selinux label is specified in config, but selinux is disabled or not supported")
    expect(message({ ...p, selinuxLabel: "l" }, true)).toBe("ok")
  })

  it("loadSpec decodes first, then validates", () => {
    expect(Either.getOrThrow(Either.flip(loadSpec("{\"process\":{\"cwd\":\"/\"}}"))).message).toBe("args must not be empty")
    expect(Either.getOrThrow(Either.flip(loadSpec("{\"process\":{\"cwd\":1}}")))._tag).toBe("JsonDecodeError")
  })
})
