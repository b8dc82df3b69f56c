import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import { SystemError } from "../../../src/ContainerError.js"
import { preflight } from "../../../src/internal/specconv/preflight.js"
import { checkTerminal } from "../../../src/internal/specconv/process.js"
import { memoryLayer, vectorSeed } from "../../support/validateHosts.js"

const runcSpec = JSON.parse(readFileSync(new URL("../../fixtures/specconv/runc-spec.json", import.meta.url), "utf8"))
const bytes = (spec: unknown) => Effect.succeed(new TextEncoder().encode(JSON.stringify(spec)))
const host = memoryLayer(vectorSeed({ entries: [{ type: "dir", path: "/bundle/rootfs", mode: 0o755 }] }))
const options = { bundle: "/bundle", cgroupName: "c1" }
const message = <A, E extends { readonly message: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (e) => e.message)

describe("preflight: runc create's checks of a bundle, in runc's order", () => {
  it.effect("passes runc spec's bundle and returns the config and the init process", () =>
    Effect.gen(function*() {
      const prepared = yield* preflight(bytes(runcSpec), options)
      expect(prepared.config.rootfs).toBe("/bundle/rootfs")
      expect(prepared.config.labels).toEqual(["bundle=/bundle"])
      expect(prepared.process).toMatchObject({ args: ["sh"], user: "0:0", terminal: true, rlimits: [{ type: 7, hard: 1024n }] })
    }).pipe(Effect.provide(host)))

  it.effect("reads a missing config.json as runc's message and passes other read errors through", () =>
    Effect.gen(function*() {
      const fail = (code: string) => Effect.fail(new SystemError({ op: "open", path: "config.json", code }))
      expect(yield* message(preflight(fail("ENOENT"), options))).toBe("JSON specification file config.json not found")
      expect(yield* message(preflight(fail("EACCES"), options))).toBe("open config.json: permission denied")
    }).pipe(Effect.provide(host)))

  it.effect("refuses in order: JSON, process, conversion, validation, rlimits", () =>
    Effect.gen(function*() {
      const spec = (edit: (s: typeof runcSpec) => void) => {
        const s = structuredClone(runcSpec)
        edit(s)
        return bytes(s)
      }
      expect(yield* message(preflight(Effect.succeed(new TextEncoder().encode("{")), options))).toBe("unexpected EOF")
      expect(yield* message(preflight(spec((s) => void (s.process.args = [], delete s.root)), options))).toBe("args must not be empty")
      expect(yield* message(preflight(spec((s) => void (delete s.root, s.linux.rootfsPropagation = "x")), options))).toBe(
        "root must be specified"
      )
      expect(yield* message(preflight(spec((s) => void (s.root.path = "gone", s.process.rlimits[0].type = "x")), options))).toBe(
        "invalid rootfs: stat /bundle/gone: no such file or directory"
      )
      expect(yield* message(preflight(spec((s) => void (s.process.rlimits[0].type = "RLIMIT_X")), options))).toBe(
        "wrong rlimit value: RLIMIT_X"
      )
    }).pipe(Effect.provide(host)))
})

describe("checkTerminal", () => {
  const p = { user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh"] }
  const text = (terminal: boolean, detach: boolean, consoleSocket?: string) =>
    Either.match(checkTerminal({ ...p, terminal }, consoleSocket === undefined ? { detach } : { detach, consoleSocket }), {
      onLeft: (e) => e.message,
      onRight: () => "ok"
    })

  it("follows runc's runner.checkTerminal", () => {
    expect(text(true, true)).toBe("cannot allocate tty if runc will detach without setting console socket")
    expect(text(true, true, "/s")).toBe("ok")
    expect(text(false, true, "/s")).toBe("cannot use console socket if runc will not detach or allocate tty")
    expect(text(true, false, "/s")).toBe("cannot use console socket if runc will not detach or allocate tty")
    expect(text(true, false)).toBe("ok")
    expect(text(false, true)).toBe("ok")
  })
})
