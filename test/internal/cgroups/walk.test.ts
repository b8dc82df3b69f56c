/**
 * `GetAllPids`' walk (cgroups.md §8.2) and `RemovePaths` (§8.9) on the
 * memory Filesystem: visiting order, what is skipped, parse and open
 * failures, and how removal treats what is not an empty directory.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { CgroupManager } from "../../../src/CgroupManager.js"
import * as Config from "../../../src/Config.js"
import type { SeedEntry } from "../../../src/memory/MemoryFs.js"
import { withInstantSleeps } from "../../support/cgroups.js"
import { captureLogs } from "../../support/validateHosts.js"
import { fakeHost, separateMounts } from "./fixtures.js"

const root = "/sys/fs/cgroup/devices/c"

const hostWith = (entries: ReadonlyArray<SeedEntry>) =>
  fakeHost({ mounts: separateMounts(["devices", "freezer"]), procSelfCgroup: "2:devices:/\n1:freezer:/\n", entries })

const managerOn = (paths: Record<string, string>) =>
  Effect.flatMap(CgroupManager, (service) =>
    service.newWithPaths(Config.makeCgroup({ path: "/c", Resources: Config.makeResources() }), paths))

const pids = (entries: ReadonlyArray<SeedEntry>, path = root) =>
  Effect.flatMap(managerOn({ devices: path }), (m) => m.getAllPids).pipe(Effect.provide(hostWith(entries).layer))

const procs = (dir: string, content: string): ReadonlyArray<SeedEntry> => [
  { type: "dir", path: dir },
  { type: "file", path: `${dir}/cgroup.procs`, content }
]

describe("getAllPids walk", () => {
  const tree: ReadonlyArray<SeedEntry> = [
    ...procs(root, "10\n11\n"),
    ...procs(`${root}/b`, "30\n"),
    ...procs(`${root}/a`, "20\n\n21\n"),
    ...procs(`${root}/a/x`, "40"),
    ...procs(`${root}/B`, "5\n"),
    { type: "symlink", path: `${root}/link`, target: "a" },
    { type: "file", path: `${root}/notes`, content: "not a cgroup" }
  ]

  it.effect("visits a directory before its children, children in byte order, lines in file order", () =>
    Effect.gen(function*() {
      expect(yield* pids(tree)).toEqual([10, 11, 5, 20, 21, 40, 30])
    }))

  it.effect("uses the devices hierarchy only, and exists() stats that path", () =>
    Effect.gen(function*() {
      const m = yield* managerOn({ devices: root, freezer: "/sys/fs/cgroup/freezer/none" })
      expect([yield* m.getAllPids, yield* m.exists]).toEqual([[10, 11, 5, 20, 21, 40, 30], true])
      const other = yield* managerOn({ freezer: root })
      expect(yield* other.exists).toBe(false)
      expect((yield* Effect.flip(other.getAllPids)).message).toBe("lstat : no such file or directory")
    }).pipe(Effect.provide(hostWith(tree).layer)))

  it.effect("fails like runc: missing root, missing procs, bad lines", () =>
    Effect.gen(function*() {
      const message = (effect: Effect.Effect<unknown, { readonly message: string }>) =>
        Effect.map(Effect.flip(effect), (e) => e.message)
      expect(yield* message(pids([]))).toBe(`lstat ${root}: no such file or directory`)
      expect(yield* message(pids([...procs(root, "1\n"), { type: "dir", path: `${root}/child` }])))
        .toBe(`openat2 ${root}/child/cgroup.procs: no such file or directory`)
      expect(yield* message(pids(procs(root, "1\nx\n")))).toBe("strconv.Atoi: parsing \"x\": invalid syntax")
      expect(yield* message(pids(procs(root, " 1\n")))).toBe("strconv.Atoi: parsing \" 1\": invalid syntax")
      expect(yield* message(pids(procs(root, "99999999999999999999\n"))))
        .toBe("strconv.Atoi: parsing \"99999999999999999999\": value out of range")
    }))

  it.effect("finds nothing under a path that is not a directory", () =>
    Effect.gen(function*() {
      expect(yield* pids([...procs(`${root}-real`, "7\n"), { type: "symlink", path: root, target: "c-real" }])).toEqual([])
      expect(yield* pids(procs(`${root}-real`, "7\n"), `${root}-real`)).toEqual([7])
    }))
})

describe("destroy on plain directories", () => {
  it.effect("removes nested directories children first and forgets every path", () =>
    Effect.gen(function*() {
      const fake = hostWith([
        { type: "dir", path: `${root}/a/b` },
        { type: "dir", path: `${root}/c` },
        { type: "dir", path: "/sys/fs/cgroup/freezer/c" }
      ])
      const m = yield* managerOn({ devices: root, freezer: "/sys/fs/cgroup/freezer/c", gone: "/sys/fs/cgroup/none", empty: "" })
        .pipe(Effect.provide(fake.layer))
      yield* m.destroy
      expect([yield* m.getPaths, yield* m.path("devices")]).toEqual([{}, ""])
      expect(yield* Effect.flip(fake.fs.lstat(root))).toMatchObject({ code: "ENOENT" })
      expect(yield* Effect.flip(fake.fs.lstat("/sys/fs/cgroup/freezer/c"))).toMatchObject({ code: "ENOENT" })
    }))

  it.effect("keeps what it could not remove, and never unlinks a file named as a cgroup", () =>
    Effect.gen(function*() {
      const fake = hostWith([
        ...procs(root, "1\n"),
        { type: "file", path: "/etc/precious", content: "keep me" },
        { type: "dir", path: "/sys/fs/cgroup/freezer/c" }
      ])
      const m = yield* managerOn({ devices: root, freezer: "/sys/fs/cgroup/freezer/c", victim: "/etc/precious" })
        .pipe(Effect.provide(fake.layer))
      // runc 1.1.5's RemovePaths: five rounds, 10, 20, 40 and 80 ms apart, before it gives up
      const { result: error, slept } = yield* withInstantSleeps(Effect.flip(m.destroy))
      expect(slept).toEqual([10, 20, 40, 80])
      expect(error.message).toBe(`Failed to remove paths: map[devices:${root} victim:/etc/precious]`)
      expect(yield* m.getPaths).toEqual({ devices: root, victim: "/etc/precious" })
      expect((yield* fake.fs.lstat("/etc/precious")).type).toBe("File")
    }))

  it.effect("logs a path it cannot remove as runc 1.1.5 does: a warning in the first round, an error in the last", () =>
    Effect.gen(function*() {
      const fake = hostWith(procs(root, "1\n"))
      const m = yield* managerOn({ devices: root }).pipe(Effect.provide(fake.layer))
      const { result: [, lines] } = yield* withInstantSleeps(captureLogs(Effect.flip(m.destroy)))
      const cause = `rmdir ${root}: directory not empty`
      expect(lines).toEqual([
        { level: "WARN", message: "Failed to remove cgroup (will retry)", annotations: { error: cause } },
        { level: "ERROR", message: "Failed to remove cgroup", annotations: { error: cause } }
      ])
    }))

  it.effect("refuses a directory off cgroupfs and a hierarchy root, removing nothing; never follows a symlink", () =>
    Effect.gen(function*() {
      const fake = hostWith([
        { type: "dir", path: "/tmp/victim/a/b" },
        { type: "dir", path: "/tmp/victim/c" },
        { type: "dir", path: `${root}-real/child` },
        { type: "symlink", path: root, target: "c-real" },
        { type: "dir", path: "/sys/fs/cgroup/freezer/other" }
      ])
      const m = yield* managerOn({ devices: "/tmp/victim", freezer: "/sys/fs/cgroup/freezer", link: root })
        .pipe(Effect.provide(fake.layer))
      // the refusals are not retried; the symlink, an rmdir failure like any other, is
      const { result: error, slept } = yield* withInstantSleeps(Effect.flip(m.destroy))
      expect(slept).toEqual([10, 20, 40, 80])
      expect([error.message, error._tag === "CgroupError" && error.reason]).toEqual([
        `Failed to remove paths: map[devices:/tmp/victim freezer:/sys/fs/cgroup/freezer link:${root}]: rmdir /tmp/victim: not a cgroup directory`,
        "WrongFilesystem"
      ])
      for (const kept of ["/tmp/victim/a/b", "/tmp/victim/c", `${root}-real/child`, "/sys/fs/cgroup/freezer/other"]) {
        expect((yield* fake.fs.lstat(kept)).type).toBe("Directory")
      }
      expect((yield* fake.fs.lstat(root)).type).toBe("SymbolicLink")
    }))
})
