import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { of, type StateKind, statusOf, transition } from "../../src/container/stateMachine.js"

const kinds: ReadonlyArray<StateKind> = ["created", "running", "restored", "paused", "stopped", "loaded"]

// spec/vectors/factory-tests.md §7: the start state's container has no init process.
const succeeds: Readonly<Record<Exclude<StateKind, "loaded">, ReadonlyArray<StateKind>>> = {
  stopped: ["stopped", "running", "restored"],
  paused: ["paused", "running", "stopped"],
  restored: ["stopped", "running"],
  running: ["stopped", "paused", "running"],
  created: ["stopped", "paused", "running", "created"]
}

describe("state machine (factory-tests.md §7)", () => {
  it("reports runc's statuses", () => {
    expect(kinds.map((k) => statusOf(of(k)))).toEqual(["created", "running", "running", "paused", "stopped", "created"])
    expect(statusOf(of("loaded", "running"))).toBe("running")
  })

  for (const [from, ok] of Object.entries(succeeds) as Array<[Exclude<StateKind, "loaded">, ReadonlyArray<StateKind>]>) {
    for (const to of kinds) {
      const expected = ok.includes(to)
      it.effect(`${from} -> ${to} ${expected ? "succeeds" : "fails"}`, () =>
        Effect.gen(function*() {
          const exit = yield* Effect.exit(transition(of(from), of(to), Effect.succeed(false)))
          expect(Exit.isSuccess(exit)).toBe(expected)
          if (Exit.isFailure(exit)) {
            expect(exit.cause).toMatchObject({
              error: { message: `invalid state transition from ${statusOf(of(from))} to ${statusOf(of(to))}` }
            })
          }
        }))
    }
  }

  it.effect("loaded may become anything", () =>
    Effect.gen(function*() {
      for (const to of kinds) expect((yield* transition(of("loaded"), of(to), Effect.succeed(true))).kind).toBe(to)
    }))

  it.effect("running -> stopped is ErrRunning while init lives", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(transition(of("running"), of("stopped"), Effect.succeed(true)))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ErrRunning" } } })
    }))

  it.effect("restored stays restored when moved to running or stopped", () =>
    Effect.gen(function*() {
      expect((yield* transition(of("restored"), of("stopped"), Effect.succeed(false))).kind).toBe("restored")
    }))
})
