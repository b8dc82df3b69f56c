/**
 * `clean` is Go's `filepath.Clean`, with a one-pass shortcut for paths that
 * are already clean: both are checked against Go's algorithm written the
 * plain way (split, drop empty and `.` elements, cancel `..`), over paths
 * made of the elements where the rules differ.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { clean, join } from "../../src/internal/path.js"

/** Go's `filepath.Clean`, element by element. */
const reference = (path: string): string => {
  if (path === "") return "."
  const rooted = path.startsWith("/")
  const kept: Array<string> = []
  for (const element of path.split("/")) {
    if (element === "" || element === ".") continue
    if (element === "..") {
      if (kept.length > 0 && kept[kept.length - 1] !== "..") kept.pop()
      else if (!rooted) kept.push("..")
      continue
    }
    kept.push(element)
  }
  const joined = kept.join("/")
  if (rooted) return "/" + joined
  return joined === "" ? "." : joined
}

const piece = FastCheck.constantFrom("/", "//", ".", "..", "...", "a", "b", ".a", "a.", "..a", "")
const glued = FastCheck.array(piece, { maxLength: 8 }).map((pieces) => pieces.join(""))
const slashed = FastCheck.array(piece, { maxLength: 8 }).map((pieces) => pieces.join("/"))

describe("clean", () => {
  it.prop("is Go's filepath.Clean on any path of these pieces", [FastCheck.oneof(glued, slashed)], ([path]) => {
    expect(clean(path)).toBe(reference(path))
  }, { fastCheck: { numRuns: 20000 } })

  it.prop("is idempotent, and a clean path comes back as it is", [FastCheck.oneof(glued, slashed)], ([path]) => {
    const once = clean(path)
    expect(clean(once)).toBe(once)
  }, { fastCheck: { numRuns: 5000 } })

  it("keeps what Go keeps and drops what Go drops", () => {
    expect(["", "/", "//", "/.", "/..", "a/", "./a", "../a", "a/../..", "/a/./b/", "a//b", "..."].map(clean)).toEqual(
      [".", "/", "/", "/", "/", "a", "a", "../a", "..", "/a/b", "a/b", "..."]
    )
    expect(join("/run/runc", "c1")).toBe("/run/runc/c1")
    expect(join("/sys/fs/cgroup/freezer/x/", "freezer.state")).toBe("/sys/fs/cgroup/freezer/x/freezer.state")
    expect(join("", "")).toBe("")
  })
})
