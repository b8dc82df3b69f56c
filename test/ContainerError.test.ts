import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as E from "../src/ContainerError.js"

describe("runc's sentinel errors (factory.md §2)", () => {
  const sentinels = [
    [new E.ErrExist(), "ErrExist", "container with given ID already exists"],
    [new E.ErrInvalidID({ id: "a/b" }), "ErrInvalidID", "invalid container ID format"],
    [new E.ErrNotExist(), "ErrNotExist", "container does not exist"],
    [new E.ErrPaused(), "ErrPaused", "container paused"],
    [new E.ErrRunning(), "ErrRunning", "container still running"],
    [new E.ErrNotRunning(), "ErrNotRunning", "container not running"],
    [new E.ErrNotPaused(), "ErrNotPaused", "container not paused"],
    [new E.ErrRootNotSet(), "ErrRootNotSet", "root not set"]
  ] as const
  for (const [error, tag, message] of sentinels) {
    it(`${tag}: "${message}"`, () => {
      expect(error._tag).toBe(tag)
      expect(error.message).toBe(message)
      expect(error).toBeInstanceOf(Error)
      expect(String(error)).toBe(`${tag}: ${message}`)
    })
  }

  it.effect("fail as typed failures, caught by tag", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(new E.ErrExist())
      expect(Exit.isFailure(exit)).toBe(true)
      const caught = yield* Effect.fail(new E.ErrNotExist()).pipe(
        Effect.catchTag("ErrNotExist", (e) => Effect.succeed(e.message))
      )
      expect(caught).toBe("container does not exist")
    }))
})

describe("errors runc builds around a failing step", () => {
  it("renders system errors like Go's PathError and LinkError", () => {
    const open = new E.SystemError({ op: "open", path: "/run/runc/x/state.json", code: "EACCES" })
    expect(open.message).toBe("open /run/runc/x/state.json: permission denied")
    expect(open.errno).toBe(13)
    const rename = new E.SystemError({ op: "rename", path: "/a", path2: "/b", code: "EXDEV" })
    expect(rename.message).toBe("rename /a /b: invalid cross-device link")
    expect(new E.SystemError({ op: "mkdir", path: "/r", code: "ENOTDIR" }).message).toBe("mkdir /r: not a directory")
    expect(new E.SystemError({ op: "x", path: "/p", code: "EWHATEVER" }).message).toBe("x /p: EWHATEVER")
  })

  it("tells not-exist errors as filepath-securejoin's IsNotExist does", () => {
    expect(E.isNotExist(new E.SystemError({ op: "lstat", path: "/x", code: "ENOENT" }))).toBe(true)
    expect(E.isNotExist(new E.SystemError({ op: "lstat", path: "/x", code: "ENOTDIR" }))).toBe(true)
    expect(E.isNotExist(new E.SystemError({ op: "lstat", path: "/x", code: "EACCES" }))).toBe(false)
    expect(E.isNotExist(new Error("ENOENT"))).toBe(false)
  })

  it("carries counts and causes in runc's words", () => {
    expect(new E.CgroupNotEmpty({ count: 3 }).message).toBe("container's cgroup is not empty: 3 process(es) found")
    expect(new E.CgroupFrozen().message).toBe("container's cgroup unexpectedly frozen")
    const cause = new E.SystemError({ op: "open", path: "/sys/fs/cgroup/x/cgroup.procs", code: "EACCES" })
    expect(new E.CgroupPidsUnavailable({ cause }).message).toBe(
      "unable to get cgroup PIDs: open /sys/fs/cgroup/x/cgroup.procs: permission denied"
    )
    expect(new E.CgroupFreezerUnavailable({ cause }).message).toBe(
      "unable to get cgroup freezer state: open /sys/fs/cgroup/x/cgroup.procs: permission denied"
    )
    expect(new E.StateCorrupt({ path: "/r/x/state.json", reason: "unexpected EOF" }).message).toBe(
      "corrupt state file /r/x/state.json: unexpected EOF"
    )
    expect(new E.StateTransitionError({ from: "created", to: "running" }).message).toBe(
      "invalid state transition from created to running"
    )
  })
})

describe("runc's wrapping of an operation's failure", () => {
  it.effect("keeps the error's class, tag and fields, prefixes the message, and records the wrapping", () =>
    Effect.gen(function*() {
      const running = E.withContext("unable to destroy container", new E.ErrRunning())
      expect(running).toBeInstanceOf(E.ErrRunning)
      expect(running.message).toBe("unable to destroy container: container still running")
      expect(E.contextOf(running)).toEqual(["unable to destroy container"])
      expect(E.ownMessage(running)).toBe("container still running")
      const caught = yield* Effect.fail(running).pipe(Effect.catchTag("ErrRunning", (e) => Effect.succeed(e.message)))
      expect(caught).toBe("unable to destroy container: container still running")
      const cause = new E.SystemError({ op: "rmdir", path: "/sys/fs/cgroup/x", code: "EBUSY" })
      const removal = E.withContext("unable to destroy container", new E.StateDirRemovalFailed({ cause }))
      expect(removal.cause).toBe(cause)
      expect(removal.message).toBe(
        "unable to destroy container: unable to remove container state dir: rmdir /sys/fs/cgroup/x: device or resource busy"
      )
      const twice = E.withContext("outer", removal)
      expect(E.contextOf(twice)).toEqual(["outer", "unable to destroy container"])
      expect(E.ownMessage(twice)).toBe("unable to remove container state dir: rmdir /sys/fs/cgroup/x: device or resource busy")
      expect(E.contextOf(new E.ErrPaused())).toEqual([])
    }))

  it("texts of the steps and of hooks, as runc 1.2 words them", () => {
    const busy = new E.SystemError({ op: "rmdir", path: "/c", code: "EBUSY" })
    expect(new E.KillAllFailed({ cause: new E.ErrNotRunning() }).message).toBe("unable to kill all processes: container not running")
    expect(new E.IntelRdtRemovalFailed({ cause: busy }).message).toBe(
      "unable to remove container's IntelRDT group: rmdir /c: device or resource busy"
    )
    expect(new E.HookTimedOut({ seconds: 2 }).message).toBe("hook ran past specified timeout of 2.0s")
    const exited = new E.HookExited({ status: "signal: killed", stdout: "", stderr: "oom" })
    expect(new E.HookFailed({ name: "poststop", index: 1, cause: exited }).message).toBe(
      "error running poststop hook #1: signal: killed, stdout: , stderr: oom"
    )
  })
})
