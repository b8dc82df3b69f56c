/**
 * The OCI state as `runc list --format json` writes each element: the
 * direct writer against Go's encoder (`GoJson.stringify` of the record with
 * runc's key order and sorted annotations), for any strings and pids.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Config from "../../src/Config.js"
import { formatOciState, formatOciStateCompact, hookState, type OciState, ociStateValue } from "../../src/container/format.js"
import type { Model } from "../../src/container/model.js"
import { setOwn, stringify } from "../../src/internal/json/GoJson.js"

const text = FastCheck.oneof(
  FastCheck.string({ unit: "binary", maxLength: 24 }),
  FastCheck.string({ unit: FastCheck.constantFrom("a", "/", "<", "&", "\"", "\\", "\n", "é", "😀", "\u2028", "\ud800"), maxLength: 12 })
)

const ociState: FastCheck.Arbitrary<OciState> = FastCheck.record({
  ociVersion: text,
  id: text,
  pid: FastCheck.oneof(FastCheck.constantFrom(0, -1), FastCheck.integer({ min: 1, max: 2 ** 31 - 1 })),
  status: FastCheck.constantFrom("created" as const, "running" as const, "paused" as const, "stopped" as const),
  bundle: text,
  rootfs: text,
  created: text,
  owner: text
}).chain((s) =>
  FastCheck.option(FastCheck.array(FastCheck.tuple(FastCheck.oneof(text, FastCheck.constantFrom("__proto__", "10", "2", "constructor")), text), { maxLength: 5 }), { nil: undefined })
    .map((pairs): OciState => {
      if (pairs === undefined) return s
      const annotations: Record<string, string> = {}
      for (const [k, v] of pairs) setOwn(annotations, k, v)
      return { ...s, annotations }
    })
)

/** Go's encoder over the record as runc's `containerState` lays it out (what `runc state` indents). */
const reference = (s: OciState): string => stringify(ociStateValue(s))

describe("formatOciStateCompact", () => {
  it("writes runc's element for a plain container", () => {
    expect(formatOciStateCompact({
      ociVersion: "1.0.2-dev",
      id: "web",
      pid: 42,
      status: "running",
      bundle: "/b",
      rootfs: "/b/rootfs",
      created: "2026-01-01T00:00:00Z",
      annotations: { z: "<1>", a: "&" },
      owner: "root"
    })).toBe(
      `{"ociVersion":"1.0.2-dev","id":"web","pid":42,"status":"running","bundle":"/b","rootfs":"/b/rootfs",` +
        `"created":"2026-01-01T00:00:00Z","annotations":{"a":"\\u0026","z":"\\u003c1\\u003e"},"owner":"root"}`
    )
  })

  it("annotations in byte order, integer-like keys too, in all three writers (list, state, hooks)", () => {
    const annotations: Record<string, string> = { a: "1", "2": "x", "10": "y", "": "z" }
    const s: OciState = {
      ociVersion: "1.0.2-dev",
      id: "web",
      pid: 0,
      status: "stopped",
      bundle: "/b",
      rootfs: "/b/rootfs",
      created: "2026-01-01T00:00:00Z",
      annotations,
      owner: ""
    }
    expect(formatOciStateCompact(s)).toContain(`"annotations":{"":"z","10":"y","2":"x","a":"1"}`)
    expect(formatOciState(s)).toContain(`"annotations": {\n    "": "z",\n    "10": "y",\n    "2": "x",\n    "a": "1"\n  }`)
    const model: Model = {
      config: Config.make({ rootfs: "/b/rootfs", labels: ["a=1", "2=x", "bundle=/b", "10=y", "=z"] }),
      initProcess: Option.none(),
      created: "2026-01-01T00:00:00Z",
      state: { kind: "stopped" }
    }
    expect(hookState("web", model, "stopped")).toBe(
      `{"ociVersion":"1.0.2-dev","id":"web","status":"stopped","bundle":"/b","annotations":{"":"z","10":"y","2":"x","a":"1"}}`
    )
  })

  it.prop("property: the same text as Go's encoder over runc's containerState", [ociState], ([s]) => {
    expect(formatOciStateCompact(s)).toBe(reference(s))
  })
})
