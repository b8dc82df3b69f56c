/**
 * `npm start`'s job: `list` on an existing state root; on a missing one, the
 * demonstration on a temporary root with the real layers, which leaves
 * nothing behind.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as Start from "../../src/cli/start.js"
import { seedContainer } from "../support/simulatedContainers.js"

const capture = () => {
  const printed = { stdout: "", stderr: "" }
  return {
    printed,
    out: { stdout: (t: string) => void (printed.stdout += t), stderr: (t: string) => void (printed.stderr += t) }
  }
}

/** The temporary root the demonstration announced. */
const demoRoot = (stdout: string): string => {
  const match = /libcontainer --root (\S+) list/.exec(stdout)
  if (match === null) throw new Error(`no demonstration root in:\n${stdout}`)
  return match[1]!
}

describe("npm start", () => {
  it.effect("lists an existing root", () =>
    Effect.gen(function*() {
      yield* seedContainer("/run/runc", "web", "running")
      const { out, printed } = capture()
      expect(yield* Start.job("/run/runc", out)).toBe(0)
      expect(printed.stdout).toMatch(/^ID +PID +STATUS +BUNDLE +CREATED +OWNER\nweb +1000 +running +\/bundles\/web +\S+ +root\n$/)
      expect(printed.stderr).toBe("")
    }).pipe(Effect.provide(Libcontainer.layerMemoryWith())))

  it.live("demonstrates on a temporary root when there is none, and removes it", () =>
    Effect.gen(function*() {
      const { out, printed } = capture()
      expect(yield* Start.job("/nonexistent/runc-root", out)).toBe(0)
      const root = demoRoot(printed.stdout)
      expect(printed.stdout).toContain("no runc state root at /nonexistent/runc-root")
      expect(printed.stdout).toMatch(/\ndemo {8}0 {11}stopped {5}\S+\/bundle {3}0001-01-01T00:00:00Z {3}\S+\n/)
      expect(JSON.parse(printed.stdout.slice(printed.stdout.indexOf("{"), printed.stdout.lastIndexOf("}") + 1))).toEqual({
        ociVersion: "1.0.2-dev",
        id: "demo",
        pid: 0,
        status: "stopped",
        bundle: `${root}/bundle`,
        rootfs: "/",
        created: "0001-01-01T00:00:00Z",
        annotations: { "org.example.purpose": "demonstration" },
        owner: ""
      })
      expect(printed.stderr).toBe("")
      expect(existsSync(root)).toBe(false)
    }).pipe(Effect.provide(Libcontainer.layerNode)))

  it("runs as the `npm start` script does", () => {
    const stdout = execFileSync(
      join(import.meta.dirname, "../../node_modules/.bin/tsx"),
      [join(import.meta.dirname, "../../src/cli/start.ts"), "/nonexistent/runc-root"],
      { encoding: "utf8" }
    )
    expect(stdout).toContain("Container.destroy: ")
    expect(existsSync(demoRoot(stdout))).toBe(false)
  })
})
