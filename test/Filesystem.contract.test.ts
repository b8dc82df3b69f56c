/**
 * The Filesystem contract: one suite, run against the node layer (openat2
 * and the forced userspace resolver) and the memory layer. Every expectation
 * is Linux's behaviour as the node layer reports it on this kernel.
 */
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { isSystemError, type SystemError } from "../src/ContainerError.js"
import * as Fs from "../src/Filesystem.js"
import * as MemoryHost from "../src/memory/MemoryHost.js"
import * as NodeHost from "../src/node/NodeHost.js"
import { build, bytes, describeEachLayer, scratch as scratchIn, text } from "./support/filesystemFixtures.js"

/** The failure of `effect`, which must fail. */
const failure = <A, R>(effect: Effect.Effect<A, SystemError, R>) => Effect.flip(effect)

const expectFailure = <A, R>(
  effect: Effect.Effect<A, SystemError, R>,
  expected: { readonly op: string; readonly path: string; readonly code: string; readonly path2?: string }
) =>
  Effect.map(failure(effect), (error) => {
    expect(error._tag).toBe("SystemError")
    expect({ op: error.op, path: error.path, code: error.code, path2: error.path2 }).toEqual({
      path2: undefined,
      ...expected
    })
    return error
  })

const chain = (dir: string, length: number) =>
  Effect.gen(function*() {
    const fs = yield* Fs.Filesystem
    yield* fs.writeFile(`${dir}/end`, bytes("end"))
    for (let i = 0; i < length; i++) {
      yield* fs.symlink(i === length - 1 ? "end" : `l${i + 1}`, `${dir}/l${i}`)
    }
  })

describeEachLayer((fixture) => fixture.name, (it, fixture, scratchBase) => {
  const masked = (mode: number) => mode & ~fixture.umask
  const scratch = () => scratchIn(scratchBase())
  describe("lstat / stat", () => {
    it.effect("report type, permission bits, size and links", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "d/sub/": null, "f": "hello", "l": { link: "f" }, "p": { fifo: true } })
        const file = yield* fs.lstat(`${dir}/f`)
        expect(file).toMatchObject({ type: "File", mode: masked(0o666), size: 5, nlink: 1 })
        const directory = yield* fs.lstat(`${dir}/d`)
        expect(directory).toMatchObject({ type: "Directory", mode: masked(0o755), nlink: 3 })
        expect(yield* fs.lstat(`${dir}/l`)).toMatchObject({ type: "SymbolicLink", mode: 0o777, size: 1 })
        expect(yield* fs.stat(`${dir}/l`)).toMatchObject({ type: "File", size: 5, ino: file.ino })
        expect(yield* fs.lstat(`${dir}/p`)).toMatchObject({ type: "FIFO", mode: masked(0o644), size: 0 })
        expect((yield* fs.stat(`${dir}/d/sub/..`)).ino).toBe(directory.ino)
      }))

    it.effect("fail with ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG and EINVAL as Linux does", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "x", "dangling": { link: "nowhere" }, "self": { link: "self" } })
        yield* expectFailure(fs.lstat(`${dir}/missing`), { op: "lstat", path: `${dir}/missing`, code: "ENOENT" })
        yield* expectFailure(fs.stat(`${dir}/dangling`), { op: "stat", path: `${dir}/dangling`, code: "ENOENT" })
        yield* expectFailure(fs.lstat(`${dir}/f/x`), { op: "lstat", path: `${dir}/f/x`, code: "ENOTDIR" })
        yield* expectFailure(fs.lstat(`${dir}/f/`), { op: "lstat", path: `${dir}/f/`, code: "ENOTDIR" })
        yield* expectFailure(fs.stat(`${dir}/self`), { op: "stat", path: `${dir}/self`, code: "ELOOP" })
        yield* expectFailure(fs.lstat(`${dir}/self/`), { op: "lstat", path: `${dir}/self/`, code: "ELOOP" })
        expect((yield* fs.lstat(`${dir}/self`)).type).toBe("SymbolicLink")
        yield* expectFailure(fs.lstat(""), { op: "lstat", path: "", code: "ENOENT" })
        const long = "n".repeat(256)
        yield* expectFailure(fs.lstat(`${dir}/${long}`), { op: "lstat", path: `${dir}/${long}`, code: "ENAMETOOLONG" })
        yield* expectFailure(fs.lstat(`${dir}/missing/${long}`), {
          op: "lstat",
          path: `${dir}/missing/${long}`,
          code: "ENOENT"
        })
        expect(yield* failure(fs.lstat(`${dir}/${"n".repeat(255)}`))).toMatchObject({ code: "ENOENT" })
        const huge = `${dir}/${"a/".repeat(2100)}`
        expect(yield* failure(fs.lstat(huge))).toMatchObject({ code: "ENAMETOOLONG" })
        expect(yield* failure(fs.lstat(`${dir}/a\0b`))).toMatchObject({ op: "lstat", code: "EINVAL" })
      }))

    it.effect("follow a trailing slash through a symlink to a directory", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "d/": null, "ld": { link: "d" }, "abs": { link: `${dir}/d` } })
        expect((yield* fs.lstat(`${dir}/ld`)).type).toBe("SymbolicLink")
        expect((yield* fs.lstat(`${dir}/ld/`)).type).toBe("Directory")
        expect((yield* fs.lstat(`${dir}/abs/.`)).type).toBe("Directory")
      }))

    it.effect("follow 40 symlinks in one resolution and fail the 41st with ELOOP", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const ok = yield* scratch()
        yield* chain(ok, 40)
        expect(text(yield* fs.readFile(`${ok}/l0`))).toBe("end")
        const over = yield* scratch()
        yield* chain(over, 41)
        yield* expectFailure(fs.stat(`${over}/l0`), { op: "stat", path: `${over}/l0`, code: "ELOOP" })
        expect((yield* fs.stat(`${over}/l1`)).type).toBe("File")
      }))
  })

  describe("readLink", () => {
    it.effect("returns the target byte for byte and fails EINVAL on a non-link", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "d/": null, "odd": { link: "../x//y/./" }, "abs": { link: "/etc/passwd" } })
        yield* fs.symlink("d", `${dir}/ld`)
        expect(yield* fs.readLink(`${dir}/odd`)).toBe("../x//y/./")
        expect(yield* fs.readLink(`${dir}/abs`)).toBe("/etc/passwd")
        yield* expectFailure(fs.readLink(`${dir}/d`), { op: "readlink", path: `${dir}/d`, code: "EINVAL" })
        yield* expectFailure(fs.readLink(`${dir}/ld/`), { op: "readlink", path: `${dir}/ld/`, code: "EINVAL" })
        yield* expectFailure(fs.readLink(`${dir}/nope`), { op: "readlink", path: `${dir}/nope`, code: "ENOENT" })
      }))
  })

  describe("readDirectory", () => {
    it.effect("lists names in byte order with their types, without . and ..", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "b/": null, "a": "", "Z": "", "é": "", "c": { link: "b" }, "p": { fifo: true } })
        expect(yield* fs.readDirectory(dir)).toEqual([
          { name: "Z", type: "File" },
          { name: "a", type: "File" },
          { name: "b", type: "Directory" },
          { name: "c", type: "SymbolicLink" },
          { name: "p", type: "FIFO" },
          { name: "é", type: "File" }
        ])
        expect(yield* fs.readDirectory(`${dir}/c`)).toEqual([])
      }))

    it.effect("fails open ENOENT on a missing path and readdirent ENOTDIR on a file", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "", "p": { fifo: true } })
        yield* expectFailure(fs.readDirectory(`${dir}/x`), { op: "open", path: `${dir}/x`, code: "ENOENT" })
        yield* expectFailure(fs.readDirectory(`${dir}/f`), { op: "readdirent", path: `${dir}/f`, code: "ENOTDIR" })
        yield* expectFailure(fs.readDirectory(`${dir}/p`), { op: "readdirent", path: `${dir}/p`, code: "ENOTDIR" })
        yield* expectFailure(fs.readDirectory(`${dir}/f/`), { op: "open", path: `${dir}/f/`, code: "ENOTDIR" })
      }))
  })

  describe("makeDirectory", () => {
    it.effect("applies the umask, counts links and inherits setgid", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* fs.makeDirectory(`${dir}/a`, 0o777)
        yield* fs.makeDirectory(`${dir}/b/`, 0o700)
        expect(yield* fs.lstat(`${dir}/a`)).toMatchObject({ mode: masked(0o777), nlink: 2 })
        expect((yield* fs.lstat(`${dir}/b`)).mode).toBe(0o700)
        expect((yield* fs.lstat(dir)).nlink).toBe(4)
        yield* fs.chmod(`${dir}/a`, 0o2775)
        yield* fs.makeDirectory(`${dir}/a/child`, 0o755)
        expect((yield* fs.lstat(`${dir}/a/child`)).mode).toBe(0o2000 | masked(0o755))
        yield* fs.makeDirectory(`${dir}/sticky`, 0o1777)
        expect((yield* fs.lstat(`${dir}/sticky`)).mode).toBe(0o1000 | masked(0o777))
      }))

    it.effect("fails EEXIST on anything present, ENOENT and ENOTDIR on a bad parent", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "d/": null, "f": "", "dangling": { link: "nowhere" } })
        for (const name of ["d", "f", "dangling", "d/.", "d/..", "f/"]) {
          yield* expectFailure(fs.makeDirectory(`${dir}/${name}`, 0o755), {
            op: "mkdir",
            path: `${dir}/${name}`,
            code: "EEXIST"
          })
        }
        yield* expectFailure(fs.makeDirectory(`${dir}/x/y`, 0o755), { op: "mkdir", path: `${dir}/x/y`, code: "ENOENT" })
        yield* expectFailure(fs.makeDirectory(`${dir}/f/y`, 0o755), { op: "mkdir", path: `${dir}/f/y`, code: "ENOTDIR" })
        expect((yield* fs.lstat(`${dir}/nowhere`).pipe(Effect.flip)).code).toBe("ENOENT")
      }))
  })

  describe("makeDirectoryAll", () => {
    it.effect("creates every missing component and accepts existing directories and links to them", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* fs.makeDirectoryAll(`${dir}/a/b//c/`, 0o711)
        for (const p of ["a", "a/b", "a/b/c"]) {
          expect(yield* fs.lstat(`${dir}/${p}`)).toMatchObject({ type: "Directory", mode: masked(0o711) })
        }
        yield* fs.makeDirectoryAll(`${dir}/a/b`, 0o700)
        yield* fs.symlink("a/b", `${dir}/lb`)
        yield* fs.makeDirectoryAll(`${dir}/lb/d/.`, 0o755)
        expect((yield* fs.lstat(`${dir}/a/b/d`)).type).toBe("Directory")
        yield* fs.makeDirectoryAll(`${dir}/lb`, 0o755)
      }))

    it.effect("fails like Go's os.MkdirAll when a file is in the way", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "", "dangling": { link: "nowhere/deeper" } })
        const err = yield* expectFailure(fs.makeDirectoryAll(`${dir}/f`, 0o755), {
          op: "mkdir",
          path: `${dir}/f`,
          code: "ENOTDIR"
        })
        expect(err.message).toBe(`mkdir ${dir}/f: not a directory`)
        yield* expectFailure(fs.makeDirectoryAll(`${dir}/f/x/y`, 0o755), { op: "mkdir", path: `${dir}/f`, code: "ENOTDIR" })
        yield* expectFailure(fs.makeDirectoryAll(`${dir}/dangling/x`, 0o755), {
          op: "mkdir",
          path: `${dir}/dangling`,
          code: "EEXIST"
        })
      }))
  })

  describe("readFile", () => {
    it.effect("reads content, honours maxBytes and never blocks on a FIFO", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "0123456789", "empty": "", "p": { fifo: true }, "l": { link: "f" } })
        expect(text(yield* fs.readFile(`${dir}/l`))).toBe("0123456789")
        expect(text(yield* fs.readFile(`${dir}/f`, { maxBytes: 10 }))).toBe("0123456789")
        yield* expectFailure(fs.readFile(`${dir}/f`, { maxBytes: 9 }), { op: "read", path: `${dir}/f`, code: "EFBIG" })
        expect(yield* fs.readFile(`${dir}/empty`, { maxBytes: 0 })).toEqual(new Uint8Array(0))
        expect(yield* fs.readFile(`${dir}/p`)).toEqual(new Uint8Array(0))
      }))

    it.effect("fails open ENOENT/ENOTDIR and read EISDIR", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "x" })
        yield* expectFailure(fs.readFile(`${dir}/nope`), { op: "open", path: `${dir}/nope`, code: "ENOENT" })
        yield* expectFailure(fs.readFile(`${dir}/f/`), { op: "open", path: `${dir}/f/`, code: "ENOTDIR" })
        const err = yield* expectFailure(fs.readFile(dir), { op: "read", path: dir, code: "EISDIR" })
        expect(err.message).toBe(`read ${dir}: is a directory`)
      }))
  })

  describe("writeFile", () => {
    it.effect("creates with mode & ~umask, truncates, and keeps the mode of an existing file", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        const f = `${dir}/f`
        yield* fs.writeFile(f, bytes("hello world"), { mode: 0o640 })
        expect(yield* fs.lstat(f)).toMatchObject({ mode: masked(0o640), size: 11 })
        yield* fs.writeFile(f, bytes("bye"), { mode: 0o600 })
        expect(text(yield* fs.readFile(f))).toBe("bye")
        expect((yield* fs.lstat(f)).mode).toBe(masked(0o640))
        yield* fs.writeFile(`${dir}/g`, bytes(""))
        expect((yield* fs.lstat(`${dir}/g`)).mode).toBe(masked(0o666))
      }))

    it.effect("'existing' writes from offset 0 without truncating and needs the file", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "hello world" })
        yield* fs.writeFile(`${dir}/f`, bytes("HEL"), { flag: "existing" })
        expect(text(yield* fs.readFile(`${dir}/f`))).toBe("HELlo world")
        yield* expectFailure(fs.writeFile(`${dir}/new`, bytes("x"), { flag: "existing" }), {
          op: "open",
          path: `${dir}/new`,
          code: "ENOENT"
        })
      }))

    it.effect("'exclusive' fails EEXIST even on a dangling symlink; 'truncate' creates the link's target", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "", "dangling": { link: "target" }, "abs": { link: `${dir}/abstarget` } })
        for (const name of ["f", "dangling"]) {
          yield* expectFailure(fs.writeFile(`${dir}/${name}`, bytes("x"), { flag: "exclusive" }), {
            op: "open",
            path: `${dir}/${name}`,
            code: "EEXIST"
          })
        }
        yield* fs.writeFile(`${dir}/dangling`, bytes("via link"))
        expect(text(yield* fs.readFile(`${dir}/target`))).toBe("via link")
        yield* fs.writeFile(`${dir}/abs`, bytes("abs"))
        expect(text(yield* fs.readFile(`${dir}/abstarget`))).toBe("abs")
      }))

    it.effect("fails EISDIR on directories and trailing slashes, ENXIO on a FIFO without reader", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "d/": null, "f": "", "p": { fifo: true }, "dl": { link: "new/" } })
        const cases: ReadonlyArray<readonly [string, Fs.WriteFlag, string]> = [
          ["d", "truncate", "EISDIR"],
          ["d", "existing", "EISDIR"],
          ["d/.", "truncate", "EISDIR"],
          ["new/", "truncate", "EISDIR"],
          ["f/", "truncate", "EISDIR"],
          ["f/", "existing", "ENOTDIR"],
          ["dl", "truncate", "EISDIR"],
          ["p", "truncate", "ENXIO"],
          ["p", "existing", "ENXIO"],
          ["nodir/f", "truncate", "ENOENT"],
          ["f/x", "truncate", "ENOTDIR"]
        ]
        for (const [name, flag, code] of cases) {
          yield* expectFailure(fs.writeFile(`${dir}/${name}`, bytes("x"), { flag }), {
            op: "open",
            path: `${dir}/${name}`,
            code
          })
        }
      }))
  })

  describe("writeFileAtomic", () => {
    it.effect("replaces the target with mode 0o600 and leaves no temp file", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* fs.writeFile(`${dir}/state.json`, bytes("old"), { mode: 0o644 })
        yield* fs.writeFileAtomic(dir, "state.json", bytes("new"))
        expect(text(yield* fs.readFile(`${dir}/state.json`))).toBe("new")
        expect((yield* fs.lstat(`${dir}/state.json`)).mode).toBe(masked(0o600))
        yield* fs.writeFileAtomic(dir, "other", bytes("o"), { mode: 0o644, tempPrefix: "other-" })
        expect((yield* fs.lstat(`${dir}/other`)).mode).toBe(masked(0o644))
        expect((yield* fs.readDirectory(dir)).map((e) => e.name)).toEqual(["other", "state.json"])
      }))

    it.effect("removes the temp file when the rename fails", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "state.json/": null })
        const err = yield* failure(fs.writeFileAtomic(dir, "state.json", bytes("x")))
        expect(err).toMatchObject({ op: "rename", path2: `${dir}/state.json`, code: "EISDIR" })
        expect(err.path.startsWith(`${dir}/.state.json.`)).toBe(true)
        expect((yield* fs.readDirectory(dir)).map((e) => e.name)).toEqual(["state.json"])
        const missing = yield* failure(fs.writeFileAtomic(`${dir}/nope`, "s", bytes("x")))
        expect(missing).toMatchObject({ op: "open", code: "ENOENT" })
      }))
  })

  describe("rename", () => {
    it.effect("moves, replaces files and empty directories, and renames links themselves", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "a": "A", "b": "B", "d/x": "", "e/": null, "l": { link: "a" } })
        yield* fs.rename(`${dir}/a`, `${dir}/b`)
        expect(text(yield* fs.readFile(`${dir}/b`))).toBe("A")
        expect((yield* fs.lstat(`${dir}/b`)).nlink).toBe(1)
        yield* fs.rename(`${dir}/d`, `${dir}/e`)
        expect(yield* fs.readDirectory(`${dir}/e`)).toEqual([{ name: "x", type: "File" }])
        yield* fs.rename(`${dir}/l`, `${dir}/l2`)
        expect(yield* fs.readLink(`${dir}/l2`)).toBe("a")
        yield* fs.rename(`${dir}/b`, `${dir}/b`)
        yield* fs.rename(`${dir}/e`, `${dir}/e/`)
        expect((yield* fs.readDirectory(dir)).map((e) => e.name)).toEqual(["b", "e", "l2"])
        expect((yield* fs.lstat(dir)).nlink).toBe(3)
      }))

    it.effect("fails as Linux does, rendered like Go's LinkError", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "", "g": "", "d/sub/x": "", "e/": null, "full/x": "" })
        const cases: ReadonlyArray<readonly [string, string, string]> = [
          ["nope", "x", "ENOENT"],
          ["f", "d", "EISDIR"],
          ["e", "f", "ENOTDIR"],
          ["e", "full", "ENOTEMPTY"],
          ["d", "d/sub/inner", "EINVAL"],
          ["d/sub", "d/sub/x/y", "ENOTDIR"],
          ["d/sub/x", "d", "ENOTEMPTY"],
          ["d/sub/x", "e", "EISDIR"],
          ["e", "d/sub/.", "EBUSY"],
          ["d/sub/..", "z", "EBUSY"],
          ["f/", "h", "ENOTDIR"],
          ["f", "h/", "ENOTDIR"],
          ["f", "nodir/h", "ENOENT"],
          ["d/sub", "d", "ENOTEMPTY"]
        ]
        for (const [from, to, code] of cases) {
          yield* expectFailure(fs.rename(`${dir}/${from}`, `${dir}/${to}`), {
            op: "rename",
            path: `${dir}/${from}`,
            path2: `${dir}/${to}`,
            code
          })
        }
        const err = yield* failure(fs.rename(`${dir}/nope`, `${dir}/x`))
        expect(err.message).toBe(`rename ${dir}/nope ${dir}/x: no such file or directory`)
      }))
  })

  describe("remove / removeAll", () => {
    it.effect("remove deletes files, links and empty directories and reports Go's errors", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "", "e/": null, "full/x": "", "l": { link: "full" } })
        yield* fs.remove(`${dir}/f`)
        yield* fs.remove(`${dir}/e/`)
        yield* fs.remove(`${dir}/l`)
        expect((yield* fs.readDirectory(dir)).map((e) => e.name)).toEqual(["full"])
        const notEmpty = yield* expectFailure(fs.remove(`${dir}/full`), {
          op: "remove",
          path: `${dir}/full`,
          code: "ENOTEMPTY"
        })
        expect(notEmpty.message).toBe(`remove ${dir}/full: directory not empty`)
        yield* expectFailure(fs.remove(`${dir}/nope`), { op: "remove", path: `${dir}/nope`, code: "ENOENT" })
        yield* expectFailure(fs.remove(`${dir}/full/x/`), { op: "remove", path: `${dir}/full/x/`, code: "ENOTDIR" })
        yield* expectFailure(fs.remove(`${dir}/full/.`), { op: "remove", path: `${dir}/full/.`, code: "EINVAL" })
      }))

    it.effect("removeAll removes a tree without following links out of it", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, {
          "keep/precious": "do not touch",
          "tree/a/b/c": "",
          "tree/a/p": { fifo: true },
          "tree/out": { link: "../keep" },
          "tree/abs": { link: `${dir}/keep/precious` },
          "tree/a/e/": null
        })
        yield* fs.removeAll(`${dir}/tree`)
        expect((yield* fs.readDirectory(dir)).map((e) => e.name)).toEqual(["keep"])
        expect(text(yield* fs.readFile(`${dir}/keep/precious`))).toBe("do not touch")
        yield* fs.removeAll(`${dir}/tree`)
        yield* fs.removeAll(`${dir}/nodir/x`)
        yield* fs.removeAll("")
        yield* fs.symlink("keep", `${dir}/lk`)
        yield* fs.removeAll(`${dir}/lk/`)
        expect((yield* fs.readDirectory(dir)).map((e) => e.name)).toEqual(["keep"])
        yield* expectFailure(fs.removeAll(`${dir}/keep/.`), { op: "RemoveAll", path: `${dir}/keep/.`, code: "EINVAL" })
        yield* expectFailure(fs.removeAll(`${dir}/keep/precious/x`), {
          op: "unlinkat",
          path: `${dir}/keep/precious/x`,
          code: "ENOTDIR"
        })
      }))
  })

  describe("symlink / makeFifo / chmod", () => {
    it.effect("symlink stores any target and fails like Go's LinkError", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "", "dangling": { link: "x" } })
        yield* fs.symlink("../../..", `${dir}/up`)
        expect(yield* fs.readLink(`${dir}/up`)).toBe("../../..")
        for (const name of ["f", "dangling"]) {
          const err = yield* expectFailure(fs.symlink("t", `${dir}/${name}`), {
            op: "symlink",
            path: "t",
            path2: `${dir}/${name}`,
            code: "EEXIST"
          })
          expect(err.message).toBe(`symlink t ${dir}/${name}: file exists`)
        }
        yield* expectFailure(fs.symlink("", `${dir}/empty`), {
          op: "symlink",
          path: "",
          path2: `${dir}/empty`,
          code: "ENOENT"
        })
        yield* expectFailure(fs.symlink("t", `${dir}/new/`), {
          op: "symlink",
          path: "t",
          path2: `${dir}/new/`,
          code: "ENOENT"
        })
        yield* expectFailure(fs.symlink("t", `${dir}/f/`), {
          op: "symlink",
          path: "t",
          path2: `${dir}/f/`,
          code: "EEXIST"
        })
      }))

    it.effect("makeFifo applies the umask; chmod follows links and keeps special bits", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* fs.makeFifo(`${dir}/p`, 0o622)
        expect(yield* fs.lstat(`${dir}/p`)).toMatchObject({ type: "FIFO", mode: masked(0o622) })
        yield* expectFailure(fs.makeFifo(`${dir}/p`, 0o600), { op: "mkfifo", path: `${dir}/p`, code: "EEXIST" })
        yield* fs.chmod(`${dir}/p`, 0o622)
        expect((yield* fs.lstat(`${dir}/p`)).mode).toBe(0o622)
        yield* build(dir, { "f": "", "l": { link: "f" } })
        yield* fs.chmod(`${dir}/l`, 0o4751)
        expect((yield* fs.lstat(`${dir}/f`)).mode).toBe(0o4751)
        expect((yield* fs.lstat(`${dir}/l`)).mode).toBe(0o777)
        yield* expectFailure(fs.chmod(`${dir}/nope`, 0o600), { op: "chmod", path: `${dir}/nope`, code: "ENOENT" })
      }))
  })

  describe("readFileInRoot", () => {
    const hostile = (dir: string) =>
      build(dir, {
        "outside/secret": "OUTSIDE",
        "root/etc/passwd": "inner passwd",
        "root/secret": "inner secret",
        "root/d/": null,
        "root/abs": { link: "/etc/passwd" },
        "root/rel": { link: "../../../../../../../outside/secret" },
        "root/d/up": { link: "../../secret" },
        "root/hostabs": { link: `${dir}/outside/secret` },
        "root/dots": { link: "d/../../outside/secret" },
        "root/self": { link: "self" },
        "root/file": "plain",
        "root/p": { fifo: true },
        "root/dirlink": { link: "d/" },
        "root/chain": { link: "abs" }
      })

    it.effect("resolves as if the root were /, reporting where the file was found", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* hostile(dir)
        const root = `${dir}/root`
        const read = (p: string) => Effect.map(fs.readFileInRoot(root, p), (f) => [f.path, text(f.content)])
        expect(yield* read("abs")).toEqual([`${root}/etc/passwd`, "inner passwd"])
        expect(yield* read("chain")).toEqual([`${root}/etc/passwd`, "inner passwd"])
        expect(yield* read("/../../etc/passwd")).toEqual([`${root}/etc/passwd`, "inner passwd"])
        expect(yield* read("d/up")).toEqual([`${root}/secret`, "inner secret"])
        expect(yield* read("d/../../../file")).toEqual([`${root}/file`, "plain"])
        expect(yield* read("file")).toEqual([`${root}/file`, "plain"])
        expect(yield* Effect.map(fs.readFileInRoot(`${root}/`, "./file"), (f) => f.path)).toBe(`${root}/file`)
        for (const escape of ["rel", "hostabs", "dots"]) {
          const err = yield* expectFailure(fs.readFileInRoot(root, escape), {
            op: "openat2",
            path: `${root}/${escape}`,
            code: "ENOENT"
          })
          expect(err.message).toBe(`openat2 ${root}/${escape}: no such file or directory`)
        }
      }))

    it.effect("fails like openat2: ENOENT, ENOTDIR, ELOOP, EISDIR, and EINVAL for regularOnly", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* hostile(dir)
        const root = `${dir}/root`
        const cases: ReadonlyArray<readonly [string, string, string]> = [
          ["", "openat2", "ENOENT"],
          ["missing", "openat2", "ENOENT"],
          ["file/x", "openat2", "ENOTDIR"],
          ["file/", "openat2", "ENOTDIR"],
          ["file/..", "openat2", "ENOTDIR"],
          ["self", "openat2", "ELOOP"],
          ["d", "read", "EISDIR"],
          ["dirlink", "read", "EISDIR"],
          ["/", "read", "EISDIR"]
        ]
        for (const [unsafe, op, code] of cases) {
          yield* expectFailure(fs.readFileInRoot(root, unsafe), { op, path: `${root}/${unsafe.replace(/^\//, "")}`, code })
        }
        yield* expectFailure(fs.readFileInRoot(root, "p", { regularOnly: true }), { op: "read", path: `${root}/p`, code: "EINVAL" })
        expect((yield* fs.readFileInRoot(root, "p")).content).toEqual(new Uint8Array(0))
        yield* expectFailure(fs.readFileInRoot(root, "file", { maxBytes: 4 }), { op: "read", path: `${root}/file`, code: "EFBIG" })
        expect(text((yield* fs.readFileInRoot(root, "file", { maxBytes: 5, regularOnly: true })).content)).toBe("plain")
        yield* expectFailure(fs.readFileInRoot(`${dir}/nope`, "x"), { op: "open", path: `${dir}/nope`, code: "ENOENT" })
        yield* expectFailure(fs.readFileInRoot(`${root}/file`, "x"), { op: "open", path: `${root}/file`, code: "ENOTDIR" })
      }))

    it.effect("follows 40 symlinks and fails the 41st with ELOOP", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const ok = yield* scratch()
        yield* chain(ok, 40)
        expect(text((yield* fs.readFileInRoot(ok, "l0")).content)).toBe("end")
        const over = yield* scratch()
        yield* chain(over, 41)
        yield* expectFailure(fs.readFileInRoot(over, "l0"), { op: "openat2", path: `${over}/l0`, code: "ELOOP" })
      }))

    it.effect("follows a root given through a symlink and names results by the root as given", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "real/sub/f": "x", "via": { link: "real" } })
        const found = yield* fs.readFileInRoot(`${dir}/via`, "sub/../sub/f")
        expect(found.path).toBe(`${dir}/via/sub/f`)
      }))
  })

  describe("statfs / readFileOn / writeFileOn", () => {
    it.effect("statfs names the filesystem; a read or write off the allowed types is refused before any byte moves", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "f": "hello", "zero": { link: "/dev/zero" } })
        const here = yield* fs.statfs(dir)
        expect(yield* fs.statfs("/proc")).toBe(Fs.PROC_SUPER_MAGIC)
        expect(yield* fs.statfs("/dev/null")).toBe(Fs.TMPFS_MAGIC)
        yield* expectFailure(fs.statfs(`${dir}/missing`), { op: "statfs", path: `${dir}/missing`, code: "ENOENT" })
        expect(text(yield* fs.readFileOn(`${dir}/f`, [here]))).toBe("hello")
        const refused = yield* Effect.flip(fs.readFileOn(`${dir}/f`, Fs.cgroupTypes))
        expect(refused).toMatchObject({ _tag: "WrongFilesystem", op: "open", path: `${dir}/f`, type: here })
        expect(refused.message).toBe(`open ${dir}/f: on ${Fs.filesystemTypeName(here)}, not cgroup or cgroup2`)
        expect(yield* Effect.flip(fs.readFileOn(`${dir}/zero`, Fs.cgroupTypes))).toMatchObject({ _tag: "WrongFilesystem" })
        expect(yield* Effect.flip(fs.readFileOn(`${dir}/zero`, [Fs.TMPFS_MAGIC], { maxBytes: 10 })))
          .toMatchObject({ _tag: "SystemError", op: "read", code: "EFBIG" })
        expect(yield* Effect.flip(fs.readFileOn(`${dir}/missing`, [here]))).toMatchObject({ op: "open", code: "ENOENT" })

        const writeRefused = yield* Effect.flip(fs.writeFileOn(`${dir}/f`, bytes("HE"), Fs.cgroupTypes))
        expect(writeRefused).toMatchObject({ _tag: "WrongFilesystem", op: "open", path: `${dir}/f` })
        expect(text(yield* fs.readFile(`${dir}/f`))).toBe("hello")
        yield* fs.writeFileOn(`${dir}/f`, bytes("HE"), [here])
        expect(text(yield* fs.readFile(`${dir}/f`))).toBe("HEllo")
        expect(yield* Effect.flip(fs.writeFileOn(`${dir}/new`, bytes("x"), [here]))).toMatchObject({ op: "open", code: "ENOENT" })
        yield* expectFailure(fs.lstat(`${dir}/new`), { op: "lstat", path: `${dir}/new`, code: "ENOENT" })
      }))

    it.effect("every read has a limit: 16 MiB by default, EFBIG beyond, endless devices included", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* fs.writeFile(`${dir}/big`, new Uint8Array(Fs.defaultMaxReadBytes + 1))
        yield* expectFailure(fs.readFile(`${dir}/big`), { op: "read", path: `${dir}/big`, code: "EFBIG" })
        expect((yield* fs.readFile(`${dir}/big`, { maxBytes: Fs.defaultMaxReadBytes + 1 })).length).toBe(Fs.defaultMaxReadBytes + 1)
        yield* expectFailure(fs.readFile("/dev/zero"), { op: "read", path: "/dev/zero", code: "EFBIG" })
        expect(yield* fs.readFile("/dev/null", { maxBytes: 0 })).toEqual(new Uint8Array(0))
      }))
  })

  describe("openDirectory (descriptor-relative calls)", () => {
    it.scoped("lists, opens without following, removes entries, and is EBADF once its scope closed", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "d/x": "1", "e/": null, "f": "2", "l": { link: "d" }, "p": { fifo: true } })
        const handle = yield* Effect.scoped(Effect.gen(function*() {
          const open = yield* fs.openDirectory(dir)
          expect(open.filesystemType).toBe(yield* fs.statfs(dir))
          expect(open.info).toMatchObject({ type: "Directory", ino: (yield* fs.stat(dir)).ino })
          expect((yield* open.entries).map((e) => [e.name, e.type])).toEqual([
            ["d", "Directory"],
            ["e", "Directory"],
            ["f", "File"],
            ["l", "SymbolicLink"],
            ["p", "FIFO"]
          ])
          const d = yield* open.openDirectory("d")
          expect([d.path, (yield* d.entries).map((e) => e.name)]).toEqual([`${dir}/d`, ["x"]])
          for (const name of ["l", "f", "p"]) {
            yield* expectFailure(open.openDirectory(name), { op: "openat", path: `${dir}/${name}`, code: "ENOTDIR" })
          }
          for (const name of ["..", ".", "", "d/x"]) {
            yield* expectFailure(open.openDirectory(name), { op: "openat", path: `${dir}/${name}`, code: "EINVAL" })
          }
          yield* expectFailure(open.removeDirectory("d"), { op: "rmdir", path: `${dir}/d`, code: "ENOTEMPTY" })
          yield* expectFailure(open.removeDirectory("f"), { op: "rmdir", path: `${dir}/f`, code: "ENOTDIR" })
          yield* expectFailure(open.removeFile("e"), { op: "unlinkat", path: `${dir}/e`, code: "EISDIR" })
          yield* d.removeFile("x")
          yield* open.removeFile("l")
          yield* open.removeDirectory("e")
          yield* expectFailure(open.removeDirectory("e"), { op: "rmdir", path: `${dir}/e`, code: "ENOENT" })
          return open
        }))
        expect((yield* fs.readDirectory(dir)).map((e) => e.name)).toEqual(["d", "f", "p"])
        yield* expectFailure(handle.removeFile("f"), { op: "unlinkat", path: `${dir}/f`, code: "EBADF" })
        yield* expectFailure(fs.openDirectory(`${dir}/f`), { op: "open", path: `${dir}/f`, code: "ENOTDIR" })
      }))

    it.scoped("keeps working on the directory it opened when the path is swapped for a symlink", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, { "a/victim/": null, "b/victim/": null })
        const a = yield* fs.openDirectory(`${dir}/a`)
        yield* fs.rename(`${dir}/a`, `${dir}/a-moved`)
        yield* fs.symlink("b", `${dir}/a`)
        yield* a.removeDirectory("victim")
        expect((yield* fs.readDirectory(`${dir}/a-moved`)).map((e) => e.name)).toEqual([])
        expect((yield* fs.readDirectory(`${dir}/b`)).map((e) => e.name)).toEqual(["victim"])
      }))
  })

  describe("removeAllInRoot", () => {
    it.effect("removes <root>/<path> and its tree, unlinking symlinks inside without following them", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, {
          "outside/keep": "k",
          "root/a/b/c/f": "x",
          "root/a/b/p": { fifo: true },
          "root/a/b/out": { link: "../../../outside" },
          "root/a/b/abs": { link: `${dir}/outside/keep` },
          "root/a/sibling": "s"
        })
        yield* fs.removeAllInRoot(`${dir}/root`, "a/b")
        expect((yield* fs.readDirectory(`${dir}/root/a`)).map((e) => e.name)).toEqual(["sibling"])
        expect(text(yield* fs.readFile(`${dir}/outside/keep`))).toBe("k")
        yield* fs.removeAllInRoot(`${dir}/root`, "a/missing")
        yield* fs.removeAllInRoot(`${dir}/missing-root`, "a")
      }))

    it.effect("refuses symlinks on the way, paths that are not plain names, and a replaced root; touching nothing", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const dir = yield* scratch()
        yield* build(dir, {
          "outside/x/keep": "k",
          "root/real/f": "x",
          "root/link": { link: "real" },
          "root/out": { link: `${dir}/outside` },
          "root/file": "f"
        })
        const root = `${dir}/root`
        const refused = (path: string) => Effect.flip(fs.removeAllInRoot(root, path))
        expect(yield* refused("link")).toMatchObject({ _tag: "NotConfined", path: `${root}/link`, reason: "not a directory" })
        expect(yield* refused("out/x")).toMatchObject({ _tag: "NotConfined", path: `${root}/out`, reason: "not a directory" })
        expect(yield* refused("file")).toMatchObject({ _tag: "NotConfined", reason: "not a directory" })
        for (const path of ["../outside", "real/..", "./real", "", "real/", "/real"]) {
          expect(yield* refused(path)).toMatchObject({ _tag: "NotConfined", reason: "not below the root" })
        }
        const identity = yield* Effect.map(fs.stat(root), (i) => ({ dev: i.dev, ino: i.ino }))
        yield* fs.rename(root, `${dir}/root-moved`)
        yield* fs.symlink(`${dir}/outside`, root)
        const replaced = yield* Effect.flip(fs.removeAllInRoot(root, "x", { rootIdentity: identity }))
        expect(replaced).toMatchObject({ _tag: "NotConfined", reason: "root replaced" })
        expect(replaced.message).toBe(`refusing to remove ${root}/x: root replaced (confined to ${root})`)
        expect(text(yield* fs.readFile(`${dir}/outside/x/keep`))).toBe("k")
        expect((yield* fs.readDirectory(`${dir}/root-moved`)).map((e) => e.name)).toEqual(["file", "link", "out", "real"])
        const typed = yield* Effect.flip(fs.removeAllInRoot(`${dir}/root-moved`, "real", { filesystemTypes: Fs.cgroupTypes }))
        expect(typed).toMatchObject({ _tag: "WrongFilesystem", op: "remove", path: `${dir}/root-moved` })
        expect(text(yield* fs.readFile(`${dir}/root-moved/real/f`))).toBe("x")
      }))
  })
})

describe("layerMemory specifics", () => {
  layer(Layer.orDie(MemoryHost.layer()))((it) => {
    it.effect("the default host has namespace magic links that openat2 refuses", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        expect(yield* fs.readLink("/proc/self/ns/net")).toMatch(/^net:\[\d+\]$/)
        expect((yield* fs.stat("/proc/self/ns/user")).type).toBe("File")
        expect((yield* fs.lstat("/proc/self/ns/mnt")).type).toBe("SymbolicLink")
        const err = yield* failure(fs.readFileInRoot("/", "proc/self/ns/net"))
        expect(err).toMatchObject({ op: "openat2", code: "ELOOP" })
        expect((yield* fs.lstat("/tmp")).mode).toBe(0o1777)
        expect((yield* fs.stat("/sys/fs/cgroup")).type).toBe("Directory")
        expect((yield* fs.lstat("/dev/null")).type).toBe("CharacterDevice")
      }))
  })
})

describe("layerNode specifics", () => {
  layer(NodeHost.layerFilesystem)((it) => {
    it.effect("openat2 refuses the host's namespace magic links too", () =>
      Effect.gen(function*() {
        const fs = yield* Fs.Filesystem
        const err = yield* failure(fs.readFileInRoot("/", "proc/self/ns/net"))
        expect(isSystemError(err, "ELOOP")).toBe(true)
      }))
  })
})
