/**
 * The raw-call layer's own decoding of what the kernel wrote: 64-bit fields
 * read without bigints (against node's bigint readers, for every bit
 * pattern), and `statx`/`fstatfs` against node's own `fstatSync`/`statfsSync`;
 * and how koffi is loaded: its binary directly where that is known to work,
 * its own entry module otherwise.
 */
import { createRequire } from "node:module"
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, statfsSync, utimesSync, writeFileSync } from "node:fs"
import { endianness, tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Libc from "../../src/node/libc.js"

const littleEndian = endianness() === "LE"

const eightBytes = FastCheck.uint8Array({ minLength: 8, maxLength: 8 })

describe("libc: 64-bit fields", () => {
  /** The bytes as the 32-bit words a kernel struct is read through. */
  const wordsOf = (buffer: Buffer): Uint32Array => new Uint32Array(Uint8Array.from(buffer).buffer)

  it.prop("property: word64At is Number(readBigUInt64), signed Number(readBigInt64)", [eightBytes, eightBytes], ([a, b]) => {
    const buffer = Buffer.concat([Buffer.from(a), Buffer.from(b)])
    const words = wordsOf(buffer)
    for (const offset of [0, 4, 8]) {
      const unsigned = littleEndian ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset)
      expect(Libc.word64At(words, offset / 4)).toBe(Number(unsigned))
      expect(Libc.word64At(words, offset / 4, true)).toBe(
        Number(littleEndian ? buffer.readBigInt64LE(offset) : buffer.readBigInt64BE(offset))
      )
    }
  })

  it("the edges: 2^53 ± 1, 2^64 − 1, −1, −2^63", () => {
    const at = (n: bigint, signed: boolean) => {
      const buffer = Buffer.alloc(8)
      if (signed && littleEndian) buffer.writeBigInt64LE(n)
      else if (signed) buffer.writeBigInt64BE(n)
      else if (littleEndian) buffer.writeBigUInt64LE(n)
      else buffer.writeBigUInt64BE(n)
      return Libc.word64At(wordsOf(buffer), 0, signed)
    }
    for (const n of [0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n]) expect(at(n, false)).toBe(Number(n))
    for (const n of [-1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 1n]) expect(at(n, true)).toBe(Number(n))
  })

  it("statx and fstatfs read what node reads", () => {
    const dir = mkdtempSync(join(tmpdir(), "elc-libc-"))
    try {
      const path = join(dir, "f")
      writeFileSync(path, "x".repeat(12345))
      const fd = openSync(path, "r")
      try {
        const mine = Libc.statx(fd, "", Libc.AT_EMPTY_PATH)
        const node = fstatSync(fd)
        if (mine === undefined) return
        expect(typeof mine).toBe("object")
        if (typeof mine === "number") return
        expect([mine.ino, mine.size, mine.uid, mine.gid, mine.nlink, mine.mode, mine.dev]).toEqual(
          [node.ino, node.size, node.uid, node.gid, node.nlink, node.mode, node.dev]
        )
        expect(Math.abs(mine.mtimeMs - node.mtimeMs)).toBeLessThan(0.001)
        expect(Libc.fstatfs(fd)).toEqual({ value: statfsSync(path).type, errno: 0 })
        // a time before 1970 (a negative tv_sec: the high word signed) and one with nanoseconds
        for (const time of [new Date(-31_622_400_000 - 0.25), new Date(4_102_444_800_123)]) {
          utimesSync(path, time, time)
          const before = Libc.statx(fd, "", Libc.AT_EMPTY_PATH)
          expect(typeof before === "object" && Math.abs(before.mtimeMs - fstatSync(fd).mtimeMs)).toBeLessThan(0.001)
        }
      } finally {
        closeSync(fd)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("libc: loading koffi", () => {
  const real = createRequire(import.meta.url)
  /** node's require, with `resolve` or module loading replaced. */
  const requirer = (
    change: { readonly resolve?: (id: string) => string; readonly load?: (id: string) => unknown }
  ): Libc.Requirer => Object.assign((id: string) => (change.load ?? real)(id), { resolve: change.resolve ?? real.resolve })

  it("on this host (Linux, glibc) the binary is loaded directly, and it is koffi's own", () => {
    expect(Libc.loadedKoffiSource()).toBe("binary")
    const entry = real("koffi") as { readonly version: string; readonly errno: unknown }
    expect(Libc.koffi().version).toBe(entry.version)
    expect(Libc.koffi().errno).toBe(entry.errno)
  })

  it("koffi's entry otherwise: another system, no binary package, a binary of another version or one that fails to load", () => {
    const cases: ReadonlyArray<readonly [Libc.Requirer, string]> = [
      [requirer({}), "freebsd"],
      [requirer({ resolve: (id) => id.startsWith("@koromix/") ? real.resolve("./no-such-package/package.json") : real.resolve(id) }), "linux"],
      [requirer({ load: (id) => id.endsWith("package.json") ? { version: "0.0.0" } : real(id) }), "linux"],
      [requirer({ load: (id) => { if (id.endsWith(".node")) throw new Error("wrong libc"); return real(id) } }), "linux"]
    ]
    for (const [require, platform] of cases) {
      const loaded = Libc.loadKoffi(require, platform)
      expect(loaded.source).toBe("entry")
      expect(typeof loaded.koffi.errno).toBe("function")
    }
  })
})
