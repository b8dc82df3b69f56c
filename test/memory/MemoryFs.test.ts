/**
 * What only the simulated host can show: seeding, permissions for a non-root
 * process (this suite's real host runs as root, which bypasses them), and
 * device files whose content is computed.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { SystemError } from "../../src/ContainerError.js"
import * as Fs from "../../src/Filesystem.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const withHost = <A, E>(seed: MemoryHost.Seed, body: (fs: Fs.FilesystemService) => Effect.Effect<A, E>) =>
  Effect.flatMap(MemoryHost.make(seed), (host) => body(MemoryHost.filesystem(host)))

describe("MemoryHost seeding", () => {
  it.effect("places entries in order with verbatim modes, parents as 0o755 directories", () =>
    withHost({
      umask: 0o077,
      entries: [
        { type: "file", path: "/run/runc/abc/state.json", content: "{}", mode: 0o600 },
        { type: "symlink", path: "/run/runc/evil", target: "/etc" },
        { type: "fifo", path: "/run/runc/abc/exec.fifo", mode: 0o622 },
        { type: "dir", path: "/run/runc", mode: 0o700 }
      ]
    }, (fs) =>
      Effect.gen(function*() {
        expect(yield* fs.lstat("/run/runc")).toMatchObject({ type: "Directory", mode: 0o700, nlink: 3 })
        expect(yield* fs.lstat("/run/runc/abc")).toMatchObject({ type: "Directory", mode: 0o755 })
        expect(yield* fs.lstat("/run/runc/abc/state.json")).toMatchObject({ mode: 0o600, size: 2 })
        expect(yield* fs.lstat("/run/runc/abc/exec.fifo")).toMatchObject({ type: "FIFO", mode: 0o622 })
        expect(yield* fs.readLink("/run/runc/evil")).toBe("/etc")
        yield* fs.writeFile("/run/new", encoder.encode(""))
        expect((yield* fs.lstat("/run/new")).mode).toBe(0o600)
      })))

  it.effect("a bare host starts from an empty root", () =>
    withHost({ bare: true }, (fs) =>
      Effect.gen(function*() {
        expect(yield* fs.readDirectory("/")).toEqual([])
        expect((yield* Effect.flip(fs.lstat("/proc"))).code).toBe("ENOENT")
      })))

  it.effect("a seed that cannot be placed fails with a typed error, and unsafeMake throws it", () =>
    Effect.gen(function*() {
      const seed: MemoryHost.Seed = {
        entries: [{ type: "file", path: "/a", content: "" }, { type: "file", path: "/a/b", content: "" }]
      }
      const error = yield* Effect.flip(MemoryHost.make(seed))
      expect(error).toBeInstanceOf(SystemError)
      expect(error).toMatchObject({ op: "seed", path: "/a/b", code: "ENOTDIR" })
      expect(() => MemoryHost.unsafeMake(seed)).toThrow(SystemError)
    }))

  it.effect("MemoryHost.layer provides the host it simulates, shared with the filesystem", () =>
    Effect.gen(function*() {
      const host = yield* MemoryHost.MemoryHost
      const fs = yield* Fs.Filesystem
      yield* fs.writeFile("/tmp/shared", encoder.encode("seen"))
      expect(host.fs.inodeAt("/tmp/shared")?.type).toBe("File")
    }).pipe(Effect.provide(Layer.orDie(MemoryHost.layer()))))
})

describe("a non-root process on the simulated host", () => {
  const seed: MemoryHost.Seed = {
    uid: 1000,
    gid: 1000,
    entries: [
      { type: "dir", path: "/run/runc", mode: 0o700 },
      { type: "file", path: "/run/runc/abc/state.json", content: "{}", mode: 0o600 },
      { type: "dir", path: "/home/user", mode: 0o755, uid: 1000, gid: 1000 },
      { type: "file", path: "/home/user/mine", content: "x", mode: 0o600, uid: 1000, gid: 1000 },
      { type: "file", path: "/etc/shadow", content: "secret", mode: 0o640, gid: 42 },
      { type: "file", path: "/tmp/roots", content: "", mode: 0o666 }
    ]
  }

  it.effect("gets EACCES where the mode bits say so, as Linux reports it", () =>
    withHost(seed, (fs) =>
      Effect.gen(function*() {
        expect(yield* Effect.flip(fs.lstat("/run/runc/abc"))).toMatchObject({ op: "lstat", code: "EACCES" })
        expect(yield* Effect.flip(fs.readFileInRoot("/run/runc", "abc/state.json"))).toMatchObject({
          op: "openat2",
          path: "/run/runc/abc/state.json",
          code: "EACCES"
        })
        expect(yield* Effect.flip(fs.readFileInRoot("/run/runc/abc", "state.json"))).toMatchObject({
          op: "open",
          path: "/run/runc/abc",
          code: "EACCES"
        })
        expect(yield* Effect.flip(fs.readFile("/etc/shadow"))).toMatchObject({ op: "open", code: "EACCES" })
        expect(yield* Effect.flip(fs.makeDirectory("/run/x", 0o755))).toMatchObject({ op: "mkdir", code: "EACCES" })
        expect(yield* Effect.flip(fs.readDirectory("/run/runc"))).toMatchObject({ op: "open", code: "EACCES" })
        expect(decoder.decode(yield* fs.readFile("/home/user/mine"))).toBe("x")
        yield* fs.makeDirectory("/home/user/d", 0o700)
        expect(yield* fs.lstat("/home/user/d")).toMatchObject({ uid: 1000, gid: 1000 })
      })))

  it.effect("may not chmod what it does not own, nor remove others' files from sticky /tmp", () =>
    withHost(seed, (fs) =>
      Effect.gen(function*() {
        expect(yield* Effect.flip(fs.chmod("/etc/passwd", 0o777))).toMatchObject({ op: "chmod", code: "EPERM" })
        yield* fs.chmod("/home/user/mine", 0o644)
        expect(yield* Effect.flip(fs.remove("/tmp/roots"))).toMatchObject({ op: "remove", code: "EPERM" })
        yield* fs.writeFile("/tmp/own", encoder.encode(""))
        yield* fs.remove("/tmp/own")
      })))
})

describe("device files", () => {
  it.effect("read and write through their handlers, and fail with the handler's errno", () =>
    Effect.gen(function*() {
      let frozen = "0"
      const host = yield* MemoryHost.make({
        entries: [{
          type: "file",
          path: "/srv/c1/cgroup.freeze",
          mode: 0o644,
          device: {
            read: () => Either.right(encoder.encode(`${frozen}\n`)),
            write: (data) => {
              const value = decoder.decode(data).trim()
              if (value !== "0" && value !== "1") return Either.left("EINVAL")
              frozen = value
              return Either.void
            }
          }
        }]
      })
      const fs = MemoryHost.filesystem(host)
      const file = "/srv/c1/cgroup.freeze"
      expect(decoder.decode(yield* fs.readFile(file))).toBe("0\n")
      yield* fs.writeFile(file, encoder.encode("1"), { flag: "existing" })
      expect(decoder.decode(yield* fs.readFile(file))).toBe("1\n")
      expect(yield* Effect.flip(fs.writeFile(file, encoder.encode("2"), { flag: "existing" }))).toMatchObject({
        op: "write",
        path: file,
        code: "EINVAL"
      })
      yield* fs.writeFile("/dev/null", encoder.encode("discarded"), { flag: "existing" })
      expect(yield* fs.readFile("/dev/null")).toEqual(new Uint8Array(0))
    }))
})
