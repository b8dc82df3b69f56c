import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { type ProcessEvent, ProcessTable, type SpawnOptions } from "../../src/memory/ProcessTable.js"
import * as ProcStat from "../../src/internal/procStat.js"

const spawn = (table: ProcessTable, options: SpawnOptions = {}) => Either.getOrThrow(table.spawn(options))
const info = (table: ProcessTable, pid: number) => Option.getOrThrow(table.get(pid))
const stateOf = (table: ProcessTable, pid: number) =>
  Option.match(table.statLine(pid), {
    onNone: () => "gone",
    onSome: (line) => Either.getOrThrow(ProcStat.parseStat(line)).state
  })

describe("ProcessTable", () => {
  it("renders a 52-field stat line the real parser reads", () => {
    const table = new ProcessTable({ clock: 4242n })
    const { pid } = spawn(table, { comm: "x) (y" })
    const line = Option.getOrThrow(table.statLine(pid))
    expect(line.endsWith("\n")).toBe(true)
    expect(line.slice(line.lastIndexOf(")") + 2).trim().split(" ")).toHaveLength(50)
    expect(Either.getOrThrow(ProcStat.parseStat(line))).toEqual({ name: "x) (y", state: "S", startTime: 4242n })
  })

  it("allocates pids cyclically, wrapping to 300 and skipping pids in use", () => {
    const table = new ProcessTable({ pidMax: 310, firstPid: 307 })
    const blocker = spawn(table, { pid: 300 })
    expect([spawn(table).pid, spawn(table).pid, spawn(table).pid, spawn(table).pid]).toEqual([307, 308, 309, 301])
    expect(blocker.pid).toBe(300)
  })

  it("refuses taken, out-of-range and exhausted pids with typed errors", () => {
    const table = new ProcessTable({ pidMax: 302, firstPid: 300 })
    spawn(table, { pid: 300 })
    expect(table.spawn({ pid: 300 })).toMatchObject({ left: { reason: "pid in use", pid: 300 } })
    expect(table.spawn({ pid: 302 })).toMatchObject({ left: { reason: "pid out of range" } })
    expect(table.spawn({ pid: 0 })).toMatchObject({ left: { reason: "pid out of range" } })
    spawn(table)
    expect(Either.isLeft(table.spawn())).toBe(true)
    spawn(table, { pid: 1 })
  })

  it("gives every spawn its own start time and lets a freed pid be reused with a new one", () => {
    const table = new ProcessTable({ clock: 10n })
    const a = spawn(table)
    const b = spawn(table)
    expect([a.startTime, b.startTime]).toEqual([10n, 11n])
    table.signal(a.pid, 9)
    expect(table.get(a.pid)).toEqual(Option.none())
    const again = spawn(table, { pid: a.pid })
    expect(again.startTime).toBe(12n)
  })

  it("manual reaping keeps a zombie until reaped", () => {
    const table = new ProcessTable({ reaping: "manual" })
    const { pid } = spawn(table)
    expect(table.signal(pid, 15)).toBe("ok")
    expect(stateOf(table, pid)).toBe("Z")
    expect(info(table, pid).exit).toEqual(Option.some({ signal: 15 }))
    expect(table.signal(pid, 9)).toBe("ok")
    expect(table.reap(pid)).toBe(true)
    expect(stateOf(table, pid)).toBe("gone")
    expect(table.signal(pid, 0)).toBe("ESRCH")
    expect(table.reap(pid)).toBe(false)
  })

  it("a live process cannot be reaped; exit makes it a zombie", () => {
    const table = new ProcessTable()
    const { pid } = spawn(table, { reaping: "manual" })
    expect(table.reap(pid)).toBe(false)
    expect(table.exit(pid, 3)).toBe(true)
    expect(info(table, pid).exit).toEqual(Option.some({ code: 3 }))
    expect(table.exit(pid, 4)).toBe(false)
  })

  it("validates signal numbers like kill(2)", () => {
    const table = new ProcessTable()
    const { pid } = spawn(table)
    expect([table.signal(pid, -1), table.signal(pid, 65), table.signal(pid, 2.5)]).toEqual(["EINVAL", "EINVAL", "EINVAL"])
    expect(table.signal(99999, 0)).toBe("ESRCH")
    expect(table.signal(pid, 0)).toBe("ok")
    expect(info(table, pid).received).toEqual([])
  })

  it("follows default actions, handlers and SIG_IGN", () => {
    const table = new ProcessTable()
    const ignoring = spawn(table, { ignored: [15], handled: [1] })
    for (const signal of [15, 1, 17, 28, 23]) expect(table.signal(ignoring.pid, signal)).toBe("ok")
    expect(stateOf(table, ignoring.pid)).toBe("S")
    expect(info(table, ignoring.pid).received).toEqual([15, 1, 17, 28, 23])
    table.signal(ignoring.pid, 10)
    expect(stateOf(table, ignoring.pid)).toBe("gone")
    const rt = spawn(table)
    table.signal(rt.pid, 40)
    expect(stateOf(table, rt.pid)).toBe("gone")
  })

  it("a PID-namespace init drops unhandled signals but not SIGKILL or SIGSTOP", () => {
    const table = new ProcessTable()
    const { pid } = spawn(table, { namespaceInit: true })
    table.signal(pid, 15)
    table.signal(pid, 2)
    table.signal(pid, 20)
    expect(stateOf(table, pid)).toBe("S")
    table.signal(pid, 19)
    expect(stateOf(table, pid)).toBe("T")
    table.signal(pid, 18)
    table.signal(pid, 9)
    expect(stateOf(table, pid)).toBe("gone")
  })

  it("a stopped process keeps terminating signals pending until SIGCONT, but SIGKILL acts at once", () => {
    const table = new ProcessTable()
    const a = spawn(table)
    table.signal(a.pid, 19)
    table.signal(a.pid, 15)
    expect(stateOf(table, a.pid)).toBe("T")
    expect(info(table, a.pid).pending).toEqual([15])
    table.signal(a.pid, 18)
    expect(stateOf(table, a.pid)).toBe("gone")
    const b = spawn(table, { state: "T" })
    expect(stateOf(table, b.pid)).toBe("T")
    table.signal(b.pid, 9)
    expect(stateOf(table, b.pid)).toBe("gone")
  })

  it("cgroup v1 freezer: shows D, and even SIGKILL waits for the thaw", () => {
    const table = new ProcessTable({ freezerMode: "v1" })
    const { pid } = spawn(table)
    expect(table.setFrozen(pid, true)).toBe(true)
    expect(stateOf(table, pid)).toBe("D")
    expect(info(table, pid).frozen).toBe(true)
    table.signal(pid, 9)
    expect(stateOf(table, pid)).toBe("D")
    expect(info(table, pid).pending).toEqual([9])
    table.setFrozen(pid, false)
    expect(stateOf(table, pid)).toBe("gone")
  })

  it("cgroup v2 freezer: shows the normal state, fatal signals kill at once, others wait", () => {
    const table = new ProcessTable()
    const a = spawn(table)
    table.setFrozen(a.pid, true)
    expect(stateOf(table, a.pid)).toBe("S")
    table.signal(a.pid, 19)
    expect(stateOf(table, a.pid)).toBe("S")
    table.signal(a.pid, 15)
    expect(stateOf(table, a.pid)).toBe("gone")
    const b = spawn(table, { handled: [15] })
    table.setFrozen(b.pid, true, "v2")
    table.signal(b.pid, 15)
    table.signal(b.pid, 19)
    expect(info(table, b.pid).pending).toEqual([15, 19])
    table.setFrozen(b.pid, false)
    expect(stateOf(table, b.pid)).toBe("T")
    const c = spawn(table)
    table.setFrozen(c.pid, true, "v2")
    table.signal(c.pid, 9)
    expect(stateOf(table, c.pid)).toBe("gone")
    expect(table.setFrozen(c.pid, true)).toBe(false)
  })

  it("a zombie stays a zombie, frozen or not", () => {
    const table = new ProcessTable({ reaping: "manual", freezerMode: "v1" })
    const { pid } = spawn(table, { state: "Z" })
    table.setFrozen(pid, true)
    expect(stateOf(table, pid)).toBe("Z")
  })

  it("truncates the command name to 15 bytes", () => {
    const table = new ProcessTable()
    expect(spawn(table, { comm: "0123456789abcdefgh" }).comm).toBe("0123456789abcde")
    // 7 two-byte characters fit in 14 bytes; the 8th is cut in half and decodes as U+FFFD
    expect(spawn(table, { comm: "\u00e9".repeat(8) }).comm).toBe("\u00e9".repeat(7) + "\ufffd")
  })

  it("reports spawns, exits and reaps to subscribers until they unsubscribe", () => {
    const table = new ProcessTable()
    const events: Array<ProcessEvent> = []
    const unsubscribe = table.subscribe((e) => events.push(e))
    const { pid } = spawn(table)
    table.signal(pid, 9)
    unsubscribe()
    spawn(table)
    expect(events).toEqual([
      { _tag: "Spawned", pid },
      { _tag: "Exited", pid },
      { _tag: "Reaped", pid }
    ])
    expect(table.pids()).toHaveLength(1)
  })
})

describe("PID namespaces", () => {
  it("a namespace's processes die with its init, however deep; the host's and other namespaces' stay", () => {
    const table = new ProcessTable()
    const outsider = spawn(table, { comm: "cron" })
    const init = spawn(table, { comm: "init", namespaceInit: true })
    const child = spawn(table, { ppid: init.pid })
    const grandchild = spawn(table, { ppid: child.pid })
    const nested = spawn(table, { ppid: child.pid, namespaceInit: true })
    const nestedChild = spawn(table, { ppid: nested.pid })
    const other = spawn(table, { namespaceInit: true })
    const otherChild = spawn(table, { ppid: other.pid })
    expect(info(table, child.pid).pidNamespace).toBe(info(table, init.pid).pidNamespace)
    expect(info(table, nestedChild.pid).pidNamespace).not.toBe(info(table, init.pid).pidNamespace)
    expect(info(table, outsider.pid).pidNamespace).toBe(0)
    // an unhandled SIGTERM from the host does not reach a namespace's init; SIGKILL does
    table.signal(init.pid, 15)
    expect(stateOf(table, init.pid)).toBe("S")
    table.signal(init.pid, 9)
    for (const p of [init, child, grandchild, nested, nestedChild]) expect(stateOf(table, p.pid), p.comm).toBe("gone")
    for (const p of [outsider, other, otherChild]) expect(stateOf(table, p.pid)).toBe("S")
    expect(info(table, otherChild.pid).received).toEqual([])
  })

  it("an init that exits takes its namespace down too; a member's own exit does not", () => {
    const table = new ProcessTable()
    const init = spawn(table, { namespaceInit: true })
    const [a, b] = [spawn(table, { ppid: init.pid }), spawn(table, { ppid: init.pid })]
    table.exit(a.pid, 0)
    expect([stateOf(table, init.pid), stateOf(table, b.pid)]).toEqual(["S", "S"])
    table.exit(init.pid, 0)
    expect(stateOf(table, b.pid)).toBe("gone")
  })

  it("a v1-frozen member keeps the kernel's SIGKILL pending until it is thawed; a v2-frozen one dies", () => {
    const table = new ProcessTable({ freezerMode: "v1" })
    const init = spawn(table, { namespaceInit: true })
    const v1 = spawn(table, { ppid: init.pid })
    const v2 = spawn(table, { ppid: init.pid })
    table.setFrozen(v1.pid, true, "v1")
    table.setFrozen(v2.pid, true, "v2")
    table.exit(init.pid, 0)
    expect([stateOf(table, v1.pid), stateOf(table, v2.pid)]).toEqual(["D", "gone"])
    expect(info(table, v1.pid).pending).toEqual([9])
    table.setFrozen(v1.pid, false)
    expect(stateOf(table, v1.pid)).toBe("gone")
  })
})
