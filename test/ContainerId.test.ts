import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as ContainerId from "../src/ContainerId.js"

// spec/vectors/factory-tests.md §3
const ids: ReadonlyArray<readonly [string, boolean, boolean?]> = [
  ["", false],
  [".", false],
  ["..", false],
  ["...", true],
  [".a", true],
  ["a.", true],
  ["..a", true],
  ["a..", true],
  ["1", true],
  ["abc", true],
  ["ABC_xyz+1-2.3", true],
  ["-", true],
  ["+", true],
  ["_", true],
  ["a,b", false, true],
  ["a/b", false],
  ["../a", false],
  ["a b", false],
  ["a:b", false],
  ["a@b", false],
  ["a=b", false],
  ["a%b", false],
  ["~", false],
  ["ä", false],
  ["a\x00", false],
  ["a\n", false]
]

// spec/vectors/factory-tests.md §4
const cleanPaths: ReadonlyArray<readonly [string, string]> = [
  ["", ""],
  ["rootfs", "rootfs"],
  ["../../../var", "var"],
  ["/../../../var", "/var"],
  ["/foo/bar/", "/foo/bar"],
  ["/foo/bar/../", "/foo"],
  [".", "."],
  ["..", "."],
  ["/", "/"],
  ["//", "/"],
  ["/.", "/"],
  ["/..", "/"],
  ["a/../..", "."],
  ["./a", "a"],
  ["a//b", "a/b"],
  ["/a/./b/", "/a/b"],
  ["...", "..."],
  ["/...", "/..."],
  ["/a..", "/a.."],
  ["/.a", "/.a"]
]

// Go's filepath.Clean (its own test table, restated)
const cleans: ReadonlyArray<readonly [string, string]> = [
  ["", "."],
  ["abc", "abc"],
  ["abc/def", "abc/def"],
  ["a/b/c", "a/b/c"],
  [".", "."],
  ["..", ".."],
  ["../..", "../.."],
  ["../../abc", "../../abc"],
  ["/abc", "/abc"],
  ["/", "/"],
  ["abc/", "abc"],
  ["abc/def/", "abc/def"],
  ["/abc/", "/abc"],
  ["abc//def//ghi", "abc/def/ghi"],
  ["//abc", "/abc"],
  ["///abc", "/abc"],
  ["abc//", "abc"],
  ["abc/./def", "abc/def"],
  ["/./abc/def", "/abc/def"],
  ["abc/.", "abc"],
  ["abc/def/ghi/../jkl", "abc/def/jkl"],
  ["abc/def/../ghi/../jkl", "abc/jkl"],
  ["abc/def/..", "abc"],
  ["abc/def/../..", "."],
  ["/abc/def/../..", "/"],
  ["abc/def/../../..", ".."],
  ["/abc/def/../../..", "/"],
  ["abc/def/../../../ghi/jkl/../../../mno", "../../mno"],
  ["/../abc", "/abc"],
  ["abc/./../def", "def"],
  ["abc//./../def", "def"],
  ["abc/../../././../def", "../../def"]
]

describe("ContainerId.validate", () => {
  for (const [id, valid, valid115] of ids) {
    it(`${JSON.stringify(id)} is ${valid ? "valid" : "invalid"}`, () => {
      expect(ContainerId.isValid(id)).toBe(valid)
      expect(Either.isRight(ContainerId.validate(id))).toBe(valid)
      expect(ContainerId.isValidRunc115(id)).toBe(valid115 ?? valid)
    })
  }

  it("fails with ErrInvalidID and runc's text", () => {
    const result = ContainerId.validate("a/b")
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("ErrInvalidID")
      expect(result.left.message).toBe("invalid container ID format")
      expect(result.left.id).toBe("a/b")
    }
  })

  it("has no length limit", () => {
    expect(ContainerId.isValid("a".repeat(100_000))).toBe(true)
  })

  it.prop("agrees with the regex summary for any string", [FastCheck.string({ unit: "binary", maxLength: 12 })], ([s]) => {
    const expected = /^[A-Za-z0-9_+.-]+$/.test(s) && s !== "." && s !== ".."
    expect(ContainerId.isValid(s)).toBe(expected)
  })

  it.prop("the schema's arbitrary only makes valid ids", [ContainerId.ContainerId], ([id]) => {
    expect(ContainerId.isValid(id)).toBe(true)
    expect(Schema.decodeUnknownSync(ContainerId.ContainerId)(id)).toBe(id)
  })
})

describe("ContainerId.cleanPath", () => {
  for (const [input, output] of cleanPaths) {
    it(`CleanPath(${JSON.stringify(input)}) = ${JSON.stringify(output)}`, () => {
      expect(ContainerId.cleanPath(input)).toBe(output)
    })
  }

  it.prop("is idempotent and never climbs with a leading ..", [FastCheck.stringMatching(/^[a-z./]{0,16}$/)], ([p]) => {
    const once = ContainerId.cleanPath(p)
    expect(ContainerId.cleanPath(once)).toBe(once)
    expect(once.split("/")).not.toContain("..")
    expect(p.startsWith("/") ? once.startsWith("/") : !once.startsWith("/")).toBe(true)
  })
})

describe("ContainerId.clean (Go filepath.Clean)", () => {
  for (const [input, output] of cleans) {
    it(`Clean(${JSON.stringify(input)}) = ${JSON.stringify(output)}`, () => {
      expect(ContainerId.clean(input)).toBe(output)
      expect(ContainerId.clean(output)).toBe(output)
    })
  }
})
