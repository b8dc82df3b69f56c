/**
 * The freezer file protocols (cgroups.md §8.4–8.8, C-8) on the memory
 * Filesystem, with control files whose reads are scripted and whose writes
 * are recorded: what runc reads, in which order, what it writes back, and
 * the exact error texts.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { CgroupManager, type FreezerState } from "../../../src/CgroupManager.js"
import * as Config from "../../../src/Config.js"
import { CGROUP2_SUPER_MAGIC } from "../../../src/internal/cgroups/mode.js"
import type { SeedEntry } from "../../../src/memory/MemoryFs.js"
import { withInstantSleeps } from "../../support/cgroups.js"
import { bytes, fakeHost, separateMounts, text } from "./fixtures.js"

/** A control file that answers reads from `reads` (the last answer repeats) and records writes. */
const scripted = (path: string, reads: ReadonlyArray<string | { readonly errno: string }>, writes: Array<string> = []) => {
  let next = 0
  const entry: SeedEntry = {
    type: "file",
    path,
    device: {
      read: () => {
        const answer = reads[Math.min(next++, reads.length - 1)]!
        return typeof answer === "string" ? Either.right(bytes(answer)) : Either.left(answer.errno)
      },
      write: (data) => {
        writes.push(text(data))
        return Either.void
      }
    }
  }
  return { entry, writes, reads: () => next }
}

const v1Dir = "/sys/fs/cgroup/freezer/c"
const v1Host = (entries: ReadonlyArray<SeedEntry>) =>
  fakeHost({
    mounts: separateMounts(["devices", "freezer"]),
    procSelfCgroup: "2:devices:/\n1:freezer:/\n",
    entries: [{ type: "dir", path: v1Dir }, ...entries]
  })

const v1Manager = Effect.flatMap(CgroupManager, (service) =>
  service.newWithPaths(Config.makeCgroup({ path: "/c", Resources: Config.makeResources() }), {
    devices: "/sys/fs/cgroup/devices/c",
    freezer: v1Dir
  }))

const v1State = (entries: ReadonlyArray<SeedEntry>) =>
  Effect.flatMap(v1Manager, (m) => m.getFreezerState).pipe(Effect.provide(v1Host(entries).layer))

const v1StateFailure = (entries: ReadonlyArray<SeedEntry>) =>
  Effect.map(Effect.flip(v1State(entries)), (e) => e.message)

const v1Freeze = (entries: ReadonlyArray<SeedEntry>, state: FreezerState | string) =>
  Effect.flatMap(v1Manager, (m) => m.freeze(state as FreezerState)).pipe(Effect.provide(v1Host(entries).layer))

const file = (path: string, content: string): SeedEntry => ({ type: "file", path, content })

describe("v1 freezer state", () => {
  it.effect.each([
    ["THAWED\n", undefined, "THAWED"],
    ["FROZEN\n", "1\n", "FROZEN"],
    ["FROZEN\n", "0\n", "THAWED"],
    ["FROZEN\n", undefined, "FROZEN"],
    ["  FROZEN \n", "1\n", "FROZEN"]
  ] as const)("freezer.state %j with self_freezing %j reads %j", ([state, self, expected]) =>
    Effect.gen(function*() {
      const entries = [file(`${v1Dir}/freezer.state`, state), ...(self === undefined ? [] : [file(`${v1Dir}/freezer.self_freezing`, self)])]
      expect(yield* v1State(entries)).toBe(expected)
    }))

  it.live("waits out FREEZING, re-reading every millisecond", () =>
    Effect.gen(function*() {
      const state = scripted(`${v1Dir}/freezer.state`, ["FREEZING\n", "FREEZING\n", "FREEZING\n", "FROZEN\n"])
      expect(yield* v1State([state.entry, file(`${v1Dir}/freezer.self_freezing`, "1\n")])).toBe("FROZEN")
      expect(state.reads()).toBe(4)
    }))

  it.effect("is undefined without the file, with ENODEV, or without a freezer path", () =>
    Effect.gen(function*() {
      expect(yield* v1State([])).toBe("")
      expect(yield* v1State([scripted(`${v1Dir}/freezer.state`, [{ errno: "ENODEV" }]).entry])).toBe("")
      const noFreezer = yield* Effect.flatMap(CgroupManager, (service) =>
        Effect.flatMap(service.newWithPaths(Config.makeCgroup({ Resources: Config.makeResources() }), { devices: "/d" }), (m) =>
          m.getFreezerState)).pipe(Effect.provide(v1Host([]).layer))
      expect(noFreezer).toBe("")
    }))

  it.effect("reads FROZEN when self_freezing is missing or ENODEV", () =>
    Effect.gen(function*() {
      const self = scripted(`${v1Dir}/freezer.self_freezing`, [{ errno: "ENODEV" }])
      expect(yield* v1State([file(`${v1Dir}/freezer.state`, "FROZEN\n"), self.entry])).toBe("FROZEN")
    }))

  it.effect("fails on anything else, with runc's texts", () =>
    Effect.gen(function*() {
      expect(yield* v1StateFailure([file(`${v1Dir}/freezer.state`, "bogus\n")])).toBe("unknown freezer.state \"bogus\\n\"")
      expect(yield* v1StateFailure([file(`${v1Dir}/freezer.state`, "FROZEN\n"), file(`${v1Dir}/freezer.self_freezing`, "2\n")]))
        .toBe("unknown \"freezer.self_freezing\" state: \"2\\n\"")
      expect(yield* v1StateFailure([scripted(`${v1Dir}/freezer.state`, [{ errno: "EIO" }]).entry]))
        .toBe(`read ${v1Dir}/freezer.state: input/output error`)
      const self = scripted(`${v1Dir}/freezer.self_freezing`, [{ errno: "EACCES" }])
      expect(yield* v1StateFailure([file(`${v1Dir}/freezer.state`, "FROZEN\n"), self.entry]))
        .toBe(`read ${v1Dir}/freezer.self_freezing: permission denied`)
    }))
})

describe("v1 freeze", () => {
  it.effect("writes THAWED over a FROZEN file (C-8)", () =>
    Effect.gen(function*() {
      const fake = v1Host([file(`${v1Dir}/freezer.state`, "FROZEN\n")])
      yield* Effect.flatMap(v1Manager, (m) => m.freeze("THAWED")).pipe(Effect.provide(fake.layer))
      expect(text(yield* fake.fs.readFile(`${v1Dir}/freezer.state`))).toBe("THAWED\n")
    }))

  it.effect("refuses an invalid state and a manager without a freezer path (C-8)", () =>
    Effect.gen(function*() {
      const invalid = yield* Effect.flip(v1Freeze([file(`${v1Dir}/freezer.state`, "THAWED\n")], "Invalid"))
      expect(invalid.message).toBe("Invalid argument 'Invalid' to freezer.state")
      const unconfigured = yield* Effect.flip(
        Effect.flatMap(CgroupManager, (service) =>
          Effect.flatMap(service.newWithPaths(Config.makeCgroup({ Resources: Config.makeResources() }), {}), (m) =>
            m.freeze("FROZEN"))).pipe(Effect.provide(v1Host([]).layer))
      )
      expect(unconfigured.message).toBe("cannot toggle freezer: cgroups not configured for container")
    }))

  it.effect("leaves THAWED and undefined requests to one write and none", () =>
    Effect.gen(function*() {
      const state = scripted(`${v1Dir}/freezer.state`, ["THAWED\n"])
      yield* v1Freeze([state.entry], "THAWED")
      yield* v1Freeze([state.entry], "")
      expect(state.writes).toEqual(["THAWED"])
    }))

  it.live("retries FREEZING, thawing briefly on every 50th attempt", () =>
    Effect.gen(function*() {
      const reads = [...Array<string>(60).fill("FREEZING\n"), "FROZEN\n"]
      const state = scripted(`${v1Dir}/freezer.state`, reads)
      yield* v1Freeze([state.entry], "FROZEN")
      const expected = [...Array<string>(49).fill("FROZEN"), "THAWED", ...Array<string>(12).fill("FROZEN")]
      expect(state.writes).toEqual(expected)
    }))

  it.effect("gives up after 1000 attempts with `unable to freeze`, and thaws", () =>
    Effect.gen(function*() {
      const state = scripted(`${v1Dir}/freezer.state`, ["FREEZING\n"])
      const { result: error, slept } = yield* withInstantSleeps(Effect.flip(v1Freeze([state.entry], "FROZEN")))
      expect(error.message).toBe("unable to freeze")
      expect(slept.filter((ms) => ms === 10)).toHaveLength(20)
      expect(slept.filter((ms) => ms === 0.01)).toHaveLength(40)
      expect(state.writes.filter((w) => w === "FROZEN")).toHaveLength(1000)
      expect(state.writes.filter((w) => w === "THAWED")).toHaveLength(21)
      expect(state.writes.at(-1)).toBe("THAWED")
    }))

  it.effect("fails on an unexpected state or a refused write, and thaws", () =>
    Effect.gen(function*() {
      const odd = scripted(`${v1Dir}/freezer.state`, ["THAWED\n"])
      expect((yield* Effect.flip(v1Freeze([odd.entry], "FROZEN"))).message).toBe("unexpected state THAWED while freezing")
      expect(odd.writes).toEqual(["FROZEN", "THAWED"])

      const writes: Array<string> = []
      const refusing: SeedEntry = {
        type: "file",
        path: `${v1Dir}/freezer.state`,
        device: {
          read: () => Either.right(bytes("THAWED\n")),
          write: (data) => {
            writes.push(text(data))
            return text(data) === "FROZEN" ? Either.left("EBUSY") : Either.void
          }
        }
      }
      const refused = yield* Effect.flip(v1Freeze([refusing], "FROZEN"))
      expect(refused.message).toBe(`failed to write "FROZEN": write ${v1Dir}/freezer.state: device or resource busy`)
      expect(refused._tag === "CgroupError" && refused.cause?.code).toBe("EBUSY")
      expect(writes).toEqual(["FROZEN", "THAWED"])
    }))

  it.effect("reports a missing freezer.state as runc's openat2 does", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(v1Freeze([], "THAWED"))
      expect(error.message).toBe(`openat2 ${v1Dir}/freezer.state: no such file or directory`)
    }))
})

const v2Dir = "/sys/fs/cgroup/c"
const v2Host = (entries: ReadonlyArray<SeedEntry>, layout = {}) =>
  fakeHost({
    mounts: [{ mountpoint: "/sys/fs/cgroup", options: "rw", fstype: "cgroup2" }],
    procSelfCgroup: "0::/\n",
    rootType: CGROUP2_SUPER_MAGIC,
    entries: [{ type: "dir", path: v2Dir }, ...entries],
    layout
  })

const v2Manager = (dir = v2Dir, cg = Config.makeCgroup({ path: "/c", Resources: Config.makeResources() })) =>
  Effect.flatMap(CgroupManager, (service) => service.newWithPaths(cg, { "": dir }))

const v2State = (entries: ReadonlyArray<SeedEntry>) =>
  Effect.flatMap(v2Manager(), (m) => m.getFreezerState).pipe(Effect.provide(v2Host(entries).layer))

const events = (frozen: 0 | 1) => `populated 1\nfrozen ${frozen}\n`

describe("v2 freezer state", () => {
  it.effect.each([
    ["0\n", events(0), "THAWED"],
    ["1\n", events(1), "FROZEN"],
    ["1\n", "populated 0\n", ""],
    ["0\nextra", events(0), "THAWED"]
  ] as const)("cgroup.freeze %j with cgroup.events %j reads %j", ([freeze, ev, expected]) =>
    Effect.gen(function*() {
      expect(yield* v2State([file(`${v2Dir}/cgroup.freeze`, freeze), file(`${v2Dir}/cgroup.events`, ev)])).toBe(expected)
    }))

  it.effect("polls cgroup.events every 10 ms until it says frozen", () =>
    Effect.gen(function*() {
      const ev = scripted(`${v2Dir}/cgroup.events`, [events(0), events(0), events(1)])
      const fiber = yield* Effect.fork(v2State([file(`${v2Dir}/cgroup.freeze`, "1\n"), ev.entry]))
      yield* TestClock.adjust(Duration.millis(20))
      expect(yield* Fiber.join(fiber)).toBe("FROZEN")
      expect(ev.reads()).toBe(3)
    }))

  it.effect("times out after 1000 polls, 10 s in all, with runc's text", () =>
    Effect.gen(function*() {
      const ev = scripted(`${v2Dir}/cgroup.events`, [events(0)])
      const { result, slept } = yield* withInstantSleeps(Effect.flip(v2State([file(`${v2Dir}/cgroup.freeze`, "1\n"), ev.entry])))
      expect(result.message).toBe("timeout of 10s reached waiting for the cgroup to freeze")
      expect(ev.reads()).toBe(1001)
      expect([slept.length, slept.reduce((a, b) => a + b, 0)]).toEqual([1000, 10_000])
    }))

  it.effect("is undefined without cgroup.freeze or with ENODEV", () =>
    Effect.gen(function*() {
      expect(yield* v2State([])).toBe("")
      expect(yield* v2State([scripted(`${v2Dir}/cgroup.freeze`, [{ errno: "ENODEV" }]).entry])).toBe("")
    }))

  it.effect.each([
    ["0", "unknown \"cgroup.freeze\" state: \"0\\x00\""],
    ["2\n", "unknown \"cgroup.freeze\" state: \"2\\n\""],
    ["", "EOF"]
  ] as const)("fails on cgroup.freeze %j", ([freeze, message]) =>
    Effect.gen(function*() {
      expect((yield* Effect.flip(v2State([file(`${v2Dir}/cgroup.freeze`, freeze)]))).message).toBe(message)
    }))
})

describe("v2 freeze", () => {
  const v2Freeze = (entries: ReadonlyArray<SeedEntry>, state: string, cg?: Config.Cgroup) =>
    Effect.flatMap(v2Manager(v2Dir, cg), (m) => m.freeze(state as FreezerState)).pipe(Effect.provide(v2Host(entries).layer))

  /** A cgroup.freeze that reads back what was last written, unless `stuck`. */
  const freezeFile = (stuck?: string) => {
    const writes: Array<string> = []
    let value = "0"
    const entry: SeedEntry = {
      type: "file",
      path: `${v2Dir}/cgroup.freeze`,
      device: {
        read: () => Either.right(bytes(`${stuck ?? value}\n`)),
        write: (data) => {
          value = text(data)
          writes.push(value)
          return Either.void
        }
      }
    }
    return { entry, writes }
  }

  it.effect("writes 1 or 0 and confirms through cgroup.events", () =>
    Effect.gen(function*() {
      const freeze = freezeFile()
      yield* v2Freeze([freeze.entry, file(`${v2Dir}/cgroup.events`, events(1))], "FROZEN")
      yield* v2Freeze([freeze.entry, file(`${v2Dir}/cgroup.events`, events(0))], "THAWED")
      yield* v2Freeze([freeze.entry], "")
      expect(freeze.writes).toEqual(["1", "0"])
    }))

  it.effect("fails when the kernel does not follow", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(v2Freeze([freezeFile("0").entry], "FROZEN"))
      expect(error.message).toBe("expected \"cgroup.freeze\" to be in state \"FROZEN\" but was in \"THAWED\"")
    }))

  it.effect("without cgroup.freeze: thawing is a no-op, freezing is not supported", () =>
    Effect.gen(function*() {
      yield* v2Freeze([], "THAWED")
      const error = yield* Effect.flip(v2Freeze([], "FROZEN"))
      expect(error.message).toBe(`freezer not supported: openat2 ${v2Dir}/cgroup.freeze: no such file or directory`)
      expect(error._tag === "CgroupError" && error.cause?.code).toBe("ENOENT")
    }))

  it.effect("refuses an invalid state, and a config without resources", () =>
    Effect.gen(function*() {
      expect((yield* Effect.flip(v2Freeze([freezeFile().entry], "PAUSED"))).message).toBe("invalid freezer state \"PAUSED\" requested")
      const bare = yield* Effect.flip(v2Freeze([freezeFile().entry], "FROZEN", Config.makeCgroup({ path: "/c" })))
      expect(bare.message).toBe("cannot toggle freezer: cgroups not configured for container")
    }))

  it.effect("returns a refused write as the bare system error", () =>
    Effect.gen(function*() {
      const refusing: SeedEntry = { type: "file", path: `${v2Dir}/cgroup.freeze`, device: { write: () => Either.left("EBUSY") } }
      const error = yield* Effect.flip(v2Freeze([refusing], "FROZEN"))
      expect([error._tag, error.message]).toEqual(["SystemError", `write ${v2Dir}/cgroup.freeze: device or resource busy`])
    }))
})

describe("cgroup file access outside the cgroupfs root (§9.1)", () => {
  const outside = "/tmp/fake-cgroup"
  const entries: ReadonlyArray<SeedEntry> = [
    { type: "dir", path: outside },
    file(`${outside}/cgroup.freeze`, "0\n")
  ]
  it.effect("needs a cgroup filesystem, unless the check is off (runc's test mode)", () =>
    Effect.gen(function*() {
      const checked = yield* Effect.flip(
        Effect.flatMap(v2Manager(outside), (m) => m.getFreezerState).pipe(Effect.provide(v2Host(entries).layer))
      )
      expect(checked.message).toBe(`open ${outside}/cgroup.freeze: not a cgroup file`)
      const unchecked = yield* Effect.flatMap(v2Manager(outside), (m) => m.getFreezerState).pipe(
        Effect.provide(v2Host(entries, { checkFileType: false }).layer)
      )
      expect(unchecked).toBe("THAWED")
      const missing = yield* Effect.flip(
        Effect.flatMap(v2Manager("/tmp/none"), (m) => m.freeze("FROZEN")).pipe(
          Effect.provide(v2Host([file("/tmp/none", "")], { checkFileType: false }).layer)
        )
      )
      expect(missing.message).toBe("freezer not supported: open /tmp/none/cgroup.freeze: not a directory")
    }))
})

describe("cgroup file access beneath the cgroupfs root", () => {
  it.effect("a link in the v1 root's tmpfs to a plain file is refused, unread and unwritten (runc's openat2 would read a tmpfs file)", () =>
    Effect.gen(function*() {
      const target = scripted("/tmp/elsewhere/freezer.state", ["THAWED\n"])
      const fake = v1Host([
        { type: "dir", path: "/tmp/elsewhere" },
        target.entry,
        { type: "symlink", path: "/sys/fs/cgroup/evil", target: "/tmp/elsewhere" },
        { type: "file", path: "/sys/fs/cgroup/plain/freezer.state", content: "THAWED\n" }
      ])
      for (const dir of ["/sys/fs/cgroup/evil", "/sys/fs/cgroup/plain"]) {
        const manager = yield* Effect.flatMap(CgroupManager, (service) =>
          service.newWithPaths(Config.makeCgroup({ path: "/c", Resources: Config.makeResources() }), { freezer: dir })).pipe(
            Effect.provide(fake.layer)
          )
        const read = yield* Effect.flip(manager.getFreezerState)
        expect([read.message, read._tag === "CgroupError" && read.reason]).toEqual([
          `open ${dir}/freezer.state: not a cgroup file`,
          "WrongFilesystem"
        ])
        expect((yield* Effect.flip(manager.freeze("THAWED"))).message).toBe(`open ${dir}/freezer.state: not a cgroup file`)
      }
      expect([target.reads(), target.writes]).toEqual([0, []])
    }))
})
