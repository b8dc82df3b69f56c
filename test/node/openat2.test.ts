/**
 * The koffi openat2 binding on this kernel, its retry policy (with an
 * injected syscall stub), the probe and the forced fallback, and the
 * userspace resolver checked against the kernel's own RESOLVE_IN_ROOT.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Errno from "../../src/internal/errno.js"
import * as Libc from "../../src/node/libc.js"
import * as Openat2 from "../../src/node/openat2.js"

const constants = Libc.constants!
const errno = (name: string): number => Errno.numberOf(name)!
const inRoot = Openat2.RESOLVE_IN_ROOT | Openat2.RESOLVE_NO_MAGICLINKS

/** A syscall stub: answers openat2 from `script` (one entry per call, the last repeated) and passes the rest through. */
const scripted = (script: ReadonlyArray<number | "real">) => {
  const calls: Array<ReadonlyArray<Libc.SyscallArg>> = []
  const syscall: Openat2.Syscall = (number, ...args) => {
    if (number !== constants.SYS_openat2) return Libc.syscall(number, ...args)
    const step = script[Math.min(calls.length, script.length - 1)]!
    calls.push(args)
    if (step === "real") return Libc.syscall(number, ...args)
    return { value: -1, errno: step }
  }
  return { syscall, calls }
}

describe("arch constants", () => {
  /** securejoin.md §4: name, x86_64, arm64. */
  const table: ReadonlyArray<readonly [keyof Libc.ArchConstants, number, number]> = [
    ["SYS_openat2", 437, 437],
    ["SYS_pidfd_open", 434, 434],
    ["SYS_pidfd_send_signal", 424, 424],
    ["SYS_openat", 257, 56],
    ["SYS_readlinkat", 267, 78],
    ["SYS_mknodat", 259, 33],
    ["SYS_getpid", 39, 172],
    ["O_DIRECTORY", 0o200000, 0o40000],
    ["O_NOFOLLOW", 0o400000, 0o100000],
    ["O_CLOEXEC", 0o2000000, 0o2000000],
    ["O_PATH", 0o10000000, 0o10000000]
  ]

  it.each(table)("%s is %i on x86_64 and %i on arm64", (name, x64, arm64) => {
    expect(Libc.constantsFor("x64")?.[name]).toBe(x64)
    expect(Libc.constantsFor("arm64")?.[name]).toBe(arm64)
  })

  it("RESOLVE_* and the size of struct open_how are the UAPI's", () => {
    expect([Openat2.RESOLVE_NO_XDEV, Openat2.RESOLVE_NO_MAGICLINKS, Openat2.RESOLVE_NO_SYMLINKS]).toEqual([1, 2, 4])
    expect([Openat2.RESOLVE_BENEATH, Openat2.RESOLVE_IN_ROOT, Openat2.openHowSize]).toEqual([8, 16, 24])
  })

  it("encode struct open_how as three little-endian u64s and always add O_CLOEXEC", () => {
    const encoded = Openat2.encodeOpenHow({ flags: 0x200000, mode: 0o644, resolve: 0x12 })
    expect([...encoded]).toEqual([0, 0, 0x20, 0, 0, 0, 0, 0, 0xa4, 1, 0, 0, 0, 0, 0, 0, 0x12, 0, 0, 0, 0, 0, 0, 0])
    const stub = scripted([errno("ENOENT")])
    Openat2.openat2Once(-100, "x", { flags: 0, mode: 0, resolve: inRoot }, { syscall: stub.syscall })
    const [dirfd, path, how, size] = stub.calls[0]!
    expect([dirfd, path, size]).toEqual([-100, "x", 24])
    expect((how as Buffer).readBigUInt64LE(0)).toBe(BigInt(constants.O_CLOEXEC))
    expect((how as Buffer).readBigUInt64LE(16)).toBe(BigInt(inRoot))
  })
})

describe("retry policy (injected syscall)", () => {
  const how = { flags: 0, mode: 0, resolve: inRoot }

  it("retries EAGAIN and EXDEV immediately and returns the first success", () => {
    const stub = scripted([errno("EAGAIN"), errno("EXDEV"), errno("EAGAIN"), "real"])
    const result = Openat2.openat2(Openat2.AT_FDCWD, "/", how, { syscall: stub.syscall })
    expect(result.attempts).toBe(4)
    expect(result.value).toBeGreaterThanOrEqual(0)
    closeSync(result.value)
  })

  it("gives up after 1 + 128 attempts with the last EAGAIN/EXDEV", () => {
    const stub = scripted([errno("EAGAIN"), errno("EXDEV")])
    const result = Openat2.openat2(Openat2.AT_FDCWD, "/", how, { syscall: stub.syscall })
    expect(result).toEqual({ value: -1, errno: errno("EXDEV"), attempts: Openat2.maxRetries + 1 })
    expect(stub.calls.length).toBe(129)
  })

  it("returns every other errno at once, and does not retry unscoped lookups", () => {
    for (const name of ["ENOENT", "ENOTDIR", "ELOOP", "EACCES", "ENOSYS"]) {
      const stub = scripted([errno(name)])
      expect(Openat2.openat2(Openat2.AT_FDCWD, "x", how, { syscall: stub.syscall })).toEqual({
        value: -1,
        errno: errno(name),
        attempts: 1
      })
    }
    const unscoped = scripted([errno("EAGAIN")])
    const result = Openat2.openat2(Openat2.AT_FDCWD, "x", { ...how, resolve: Openat2.RESOLVE_NO_SYMLINKS }, {
      syscall: unscoped.syscall
    })
    expect(result.attempts).toBe(1)
  })

  it("the probe accepts only a successful openat2", () => {
    expect(Openat2.probe({ syscall: scripted([errno("ENOSYS")]).syscall })).toBe(false)
    expect(Openat2.probe({ syscall: scripted([errno("EPERM")]).syscall })).toBe(false)
    expect(Openat2.probe({ syscall: scripted(["real"]).syscall })).toBe(true)
    const probeCall = scripted(["real"])
    Openat2.probe({ syscall: probeCall.syscall })
    const [dirfd, path, encoded] = probeCall.calls[0]!
    expect([dirfd, path]).toEqual([Openat2.AT_FDCWD, "."])
    expect((encoded as Buffer).readBigUInt64LE(16)).toBe(BigInt(Openat2.RESOLVE_NO_SYMLINKS | Openat2.RESOLVE_IN_ROOT))
  })
})

describe("on this kernel", () => {
  let base = ""
  let root = ""
  let rootFd = -1
  let rootReal = ""

  beforeAll(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "openat2-")))
    root = `${base}/root`
    mkdirSync(`${root}/etc`, { recursive: true })
    mkdirSync(`${root}/d/e`, { recursive: true })
    writeFileSync(`${root}/etc/hostname`, "inner")
    writeFileSync(`${base}/secret`, "OUTSIDE")
    symlinkSync("/etc", `${root}/link`)
    symlinkSync("../../../../..", `${root}/up`)
    symlinkSync(`${base}/secret`, `${root}/hostabs`)
    symlinkSync("../secret", `${root}/rel`)
    symlinkSync("../../etc/hostname", `${root}/d/e/deep`)
    symlinkSync("loop", `${root}/loop`)
    symlinkSync("e/", `${root}/d/slash`)
    symlinkSync("hostname", `${root}/etc/h`)
    rootFd = openSync(root, constants.O_PATH | constants.O_DIRECTORY)
    rootReal = readlinkSync(`/proc/self/fd/${rootFd}`)
  })
  afterAll(() => {
    closeSync(rootFd)
    rmSync(base, { recursive: true, force: true })
  })

  /** What an open resolved to: the file's path relative to the root, or the errno name. */
  const outcome = (result: Libc.SyscallResult): string => {
    if (result.value < 0) return Errno.nameOf(result.errno)
    try {
      return readlinkSync(`/proc/self/fd/${result.value}`).slice(rootReal.length) || "/"
    } finally {
      closeSync(result.value)
    }
  }

  it("has openat2, and RESOLVE_IN_ROOT keeps absolute and climbing links inside the root", () => {
    expect(Openat2.hasOpenat2()).toBe(true)
    const fd = Openat2.openat2(rootFd, "link/hostname", { flags: 0, mode: 0, resolve: inRoot })
    expect(fd.value).toBeGreaterThanOrEqual(0)
    expect(readFileSync(fd.value, "utf8")).toBe("inner")
    closeSync(fd.value)
    expect(outcome(Openat2.openat2(rootFd, "up/etc/hostname", { flags: 0, mode: 0, resolve: inRoot }))).toBe(
      "/etc/hostname"
    )
  })

  it("RESOLVE_BENEATH refuses the escape with EXDEV on every one of its 129 attempts", () => {
    const result = Openat2.openat2(rootFd, "link/hostname", {
      flags: 0,
      mode: 0,
      resolve: Openat2.RESOLVE_BENEATH | Openat2.RESOLVE_NO_MAGICLINKS
    })
    expect(result).toEqual({ value: -1, errno: errno("EXDEV"), attempts: 129 })
  })

  it("the userspace resolver agrees with the kernel on hostile and ordinary paths", () => {
    const paths = [
      "link/hostname",
      "up/etc/hostname",
      "/../../etc/hostname",
      "d/e/deep",
      "d/e/../../etc/h",
      "d/slash",
      "d/slash/..",
      "hostabs",
      "rel",
      "loop",
      "missing",
      "etc/hostname/",
      "etc/hostname/..",
      "etc/hostname/x",
      "",
      ".",
      "/",
      "..",
      "d/./e//",
      "x".repeat(256)
    ]
    for (const path of paths) {
      const kernel = outcome(Openat2.openat2(rootFd, path, { flags: constants.O_PATH, mode: 0, resolve: inRoot }))
      const userspace = outcome(Openat2.resolveInUserspace(rootFd, rootReal, path, constants.O_PATH))
      expect({ path, result: userspace }).toEqual({ path, result: kernel })
    }
  })

  it.effect("openInRoot falls back to the userspace resolver when the probe gets ENOSYS", () =>
    Effect.gen(function*() {
      const stub = scripted([errno("ENOSYS")])
      const request = { rootFd, rootReal, unsafePath: "link/h", flags: 0, displayPath: `${root}/link/h` }
      const handle = yield* Openat2.openInRoot(request, { syscall: stub.syscall })
      expect(readFileSync(handle.fd, "utf8")).toBe("inner")
      expect(handle.realPath).toBe(`${rootReal}/etc/hostname`)
      closeSync(handle.fd)
      expect(stub.calls.length).toBe(1)
      const missing = yield* Effect.flip(Openat2.openInRoot({ ...request, unsafePath: "rel" }, { syscall: stub.syscall }))
      expect(missing).toMatchObject({ op: "openat2", path: `${root}/link/h`, code: "ENOENT" })
      const forced = yield* Openat2.openInRoot(request, { resolver: "userspace" })
      expect(forced.realPath).toBe(`${rootReal}/etc/hostname`)
      closeSync(forced.fd)
    }))

  it.effect("openInRoot reports an exhausted retry as openat2 EXDEV", () =>
    Effect.gen(function*() {
      const stub = scripted(["real", errno("EXDEV")])
      const request = { rootFd, rootReal, unsafePath: "etc/hostname", flags: 0, displayPath: `${root}/etc/hostname` }
      const error = yield* Effect.flip(Openat2.openInRoot(request, { syscall: stub.syscall }))
      expect(error.message).toBe(`openat2 ${root}/etc/hostname: invalid cross-device link`)
      expect(stub.calls.length).toBe(1 + 129)
    }))
})
