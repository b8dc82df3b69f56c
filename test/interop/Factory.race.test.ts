/**
 * Eight processes create the same container id at the same moment: exactly
 * one wins and every other gets ErrExist (runc returns a raw EEXIST there).
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describeWith, root } from "../support/prerequisites.js"

const script = new URL("../support/createOnce.ts", import.meta.url).pathname

/** A contender, resolved once it has printed `ready`; its outcome is the next line it prints. */
const contender = (stateRoot: string, id: string) =>
  Effect.acquireRelease(
    Effect.async<{ readonly child: ChildProcessWithoutNullStreams; readonly outcome: Promise<string> }>((resume) => {
      const child = spawn(process.execPath, ["--import", "tsx", script, stateRoot, id], { stdio: "pipe" })
      let buffer = ""
      let signalReady: (() => void) | undefined = () => resume(Effect.succeed({ child, outcome }))
      const outcome = new Promise<string>((done) => {
        child.stdout.on("data", (chunk: Buffer) => {
          buffer += chunk.toString()
          const lines = buffer.split("\n")
          if (lines.includes("ready") && signalReady !== undefined) {
            signalReady()
            signalReady = undefined
          }
          const result = lines.find((l) => l !== "ready" && l !== "" && lines.indexOf(l) < lines.length - 1)
          if (result !== undefined) done(result)
        })
        child.on("exit", () => done(buffer.split("\n").filter((l) => l !== "ready" && l !== "")[0] ?? "no outcome"))
      })
    }),
    ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
  )

describeWith([root], "racing creates across processes", () => {
  it.scoped("8 processes, one id: exactly one ok, seven ErrExist", () =>
    Effect.gen(function*() {
      const stateRoot = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "elc-race-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const contenders = yield* Effect.all(Array.from({ length: 8 }, () => contender(stateRoot, "race")), {
        concurrency: "unbounded"
      })
      for (const { child } of contenders) child.stdin.write("go\n")
      const outcomes = yield* Effect.promise(() => Promise.all(contenders.map((c) => c.outcome)))
      expect(outcomes.filter((o) => o === "ok")).toHaveLength(1)
      expect(outcomes.filter((o) => o === "ErrExist")).toHaveLength(7)
      expect(readdirSync(stateRoot)).toEqual(["race"])
    }), 180_000)
})
