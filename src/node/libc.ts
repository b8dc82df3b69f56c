/**
 * The one place koffi is loaded. Everything that needs a raw system call goes
 * through here, so the native module is only loaded when a real-host feature
 * first needs it (the CLI's start-up never pays for it otherwise).
 *
 * koffi reports errno as the thread's live value, so every call below reads
 * it immediately after the call and hands it back with the result.
 */
import type * as Koffi from "koffi"
import { createRequire } from "node:module"
import { endianness } from "node:os"
import { arch } from "node:process"

type KoffiModule = typeof Koffi
type KoffiFunction = ReturnType<ReturnType<KoffiModule["load"]>["func"]>

interface Bindings {
  readonly koffi: KoffiModule
  /** Where koffi was taken from (see {@link loadKoffi}). */
  readonly source: KoffiSource
  readonly syscall: KoffiFunction
  /** `syscall(2)` with openat2's four arguments, bound with a fixed signature: no per-call type list. */
  readonly syscall4: KoffiFunction
  readonly open: KoffiFunction
  readonly openat: KoffiFunction
  readonly fstatfs: KoffiFunction
  readonly unlinkat: KoffiFunction
  readonly lseek: KoffiFunction
  /** glibc 2.30+; absent from some C libraries, where directories are listed through `/proc/self/fd`. */
  readonly getdents64: KoffiFunction | undefined
  /** glibc 2.28+; absent elsewhere, where node's `fstatSync`/`statSync` stand in. */
  readonly statx: KoffiFunction | undefined
  /** `sizeof(long)`: the width of `struct statfs`'s `f_type`. */
  readonly longSize: number
}

let bindings: Bindings | undefined

const optional = (bind: () => KoffiFunction): KoffiFunction | undefined => {
  try {
    return bind()
  } catch {
    return undefined
  }
}

/** How a module is required: node's `require`, or a stand-in in tests. */
export interface Requirer {
  (id: string): unknown
  readonly resolve: (id: string) => string
}

/** Where {@link loadKoffi} took koffi from: its prebuilt binary directly, or its own entry module. */
export type KoffiSource = "binary" | "entry"

/**
 * koffi, as fast as it loads. Its entry module resolves four more modules
 * and reads the ELF header of node's own binary to choose between its
 * glibc and musl builds — about 8 ms of the CLI's start, where the binary
 * itself loads in 1. On Linux the glibc build of the installed
 * `@koromix/koffi-linux-<arch>` package is loaded directly, if its version
 * is that package's (what koffi's entry checks too); anywhere else, and
 * if anything about that fails (no such package, a musl system whose
 * loader refuses the binary), koffi's entry loads it as usual.
 */
export const loadKoffi = (
  require: Requirer,
  platform: string = process.platform,
  cpu: string = arch
): { readonly koffi: KoffiModule; readonly source: KoffiSource } => {
  if (platform === "linux") {
    try {
      const manifest = require.resolve(`@koromix/koffi-linux-${cpu}/package.json`)
      const version = (require(manifest) as { readonly version?: unknown }).version
      const native = require(`${manifest.slice(0, -"package.json".length)}linux_${cpu}/koffi.node`) as KoffiModule
      if (typeof version === "string" && native.version === version) return { koffi: native, source: "binary" }
    } catch {
      // koffi's entry below, which knows every layout
    }
  }
  return { koffi: require("koffi") as KoffiModule, source: "entry" }
}

const load = (): Bindings => {
  if (bindings === undefined) {
    const { koffi, source } = loadKoffi(createRequire(import.meta.url) as Requirer)
    const lib = koffi.load(null as unknown as string)
    bindings = {
      koffi,
      source,
      syscall: lib.func("long syscall(long number, ...)"),
      // glibc's syscall(2) reads its arguments as longs from the registers the fixed form fills too
      syscall4: lib.func("long syscall(long number, long a, const char *b, void *c, unsigned long d)"),
      // open(2) without O_CREAT takes no mode, so the fixed two-argument form is exact.
      open: lib.func("int open(const char *path, int flags)"),
      openat: lib.func("int openat(int dirfd, const char *path, int flags)"),
      fstatfs: lib.func("int fstatfs(int fd, void *buf)"),
      unlinkat: lib.func("int unlinkat(int dirfd, const char *path, int flags)"),
      lseek: lib.func("int64_t lseek(int fd, int64_t offset, int whence)"),
      getdents64: optional(() => lib.func("intptr_t getdents64(int fd, void *buf, size_t count)")),
      statx: optional(() => lib.func("int statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf)")),
      longSize: koffi.sizeof("long")
    }
  }
  return bindings
}

/** The koffi module itself, loaded on first use. */
export const koffi = (): KoffiModule => load().koffi

/** Where this process took koffi from (loading it if it has not yet): see {@link loadKoffi}. */
export const loadedKoffiSource = (): KoffiSource => load().source

/** A raw result: the return value and, when it is negative, the errno read right after. */
export interface SyscallResult {
  readonly value: number
  readonly errno: number
}

/**
 * One variadic argument to `syscall(2)`: integers are passed as C `long`
 * (glibc reads all six arguments as longs), strings as NUL-terminated
 * pointers, buffers as `void *`.
 */
export type SyscallArg = number | bigint | string | Buffer | null

const pairs = (args: ReadonlyArray<SyscallArg>): Array<unknown> => {
  const out: Array<unknown> = []
  for (const a of args) {
    if (typeof a === "string") out.push("str", a)
    else if (a === null || Buffer.isBuffer(a)) out.push("void *", a)
    else out.push("long", a)
  }
  return out
}

/** Calls `syscall(number, ...args)` and returns its value with errno captured at once. */
export const syscall = (number: number, ...args: ReadonlyArray<SyscallArg>): SyscallResult => {
  const b = load()
  b.koffi.errno(0)
  const value = Number(b.syscall(number, ...pairs(args)))
  const errno = value < 0 ? b.koffi.errno() : 0
  return { value, errno }
}

const EINVAL = 22

/**
 * `openat2(dirfd, path, how, how.length)` through the fixed-signature
 * binding: `how` is a `struct open_how` the caller prepared once (see
 * `openat2.ts`'s `encodeOpenHow`). The fd, or -1 and the errno; no retry.
 * A path with a NUL byte is EINVAL.
 */
export const openat2 = (sysOpenat2: number, dirfd: number, path: string, how: Buffer): SyscallResult => {
  if (path.includes("\0")) return { value: -1, errno: EINVAL }
  const b = load()
  b.koffi.errno(0)
  const value = Number(b.syscall4(sysOpenat2, dirfd, path, how, how.length))
  return value < 0 ? { value: -1, errno: b.koffi.errno() } : { value, errno: 0 }
}
/** `O_CLOEXEC` on x86-64 and arm64, the architectures {@link constants} covers. */
const O_CLOEXEC = 0x80000

/**
 * `open(path, flags | O_CLOEXEC)` for flags without `O_CREAT`: the fd, or
 * the errno. Unlike node's `openSync`, a failure costs no exception — a
 * missing `/proc/<pid>/stat` or cgroup file is the common case on hot paths.
 * A path with a NUL byte is EINVAL, as node and Go refuse it.
 */
export const openNoCreate = (path: string, flags: number): SyscallResult => {
  if (path.includes("\0")) return { value: -1, errno: EINVAL }
  const b = load()
  b.koffi.errno(0)
  const value = b.open(path, flags | O_CLOEXEC) as number
  return value < 0 ? { value, errno: b.koffi.errno() } : { value, errno: 0 }
}

/**
 * `openat(dirfd, path, flags | O_CLOEXEC)` for flags without `O_CREAT`: the
 * fd or the errno, as {@link openNoCreate}.
 */
export const openatNoCreate = (dirfd: number, path: string, flags: number): SyscallResult => {
  if (path.includes("\0")) return { value: -1, errno: EINVAL }
  const b = load()
  b.koffi.errno(0)
  const value = b.openat(dirfd, path, flags | O_CLOEXEC) as number
  return value < 0 ? { value, errno: b.koffi.errno() } : { value, errno: 0 }
}

/** `unlinkat(dirfd, path, flags)`: 0 or the errno. */
export const unlinkat = (dirfd: number, path: string, flags: number): SyscallResult => {
  if (path.includes("\0")) return { value: -1, errno: EINVAL }
  const b = load()
  b.koffi.errno(0)
  const value = b.unlinkat(dirfd, path, flags) as number
  return value < 0 ? { value, errno: b.koffi.errno() } : { value, errno: 0 }
}

/** Large enough for `struct statfs` on every 64- and 32-bit Linux ABI (120 or 84 bytes), as 32-bit words. */
const statfsWords = new Uint32Array(64)
const statfsBuffer = Buffer.from(statfsWords.buffer)

/**
 * `fstatfs(fd)`: the value is `f_type`, the filesystem's magic number (the
 * first field, a C `long`), or -1 with the errno.
 */
export const fstatfs = (fd: number): SyscallResult => {
  const b = load()
  b.koffi.errno(0)
  const result = b.fstatfs(fd, statfsBuffer) as number
  if (result < 0) return { value: -1, errno: b.koffi.errno() }
  const type = b.longSize === 8 ? word64At(statfsWords, 0) : statfsWords[0]!
  return { value: type, errno: 0 }
}

const littleEndian = endianness() === "LE"

/**
 * The 64-bit integer a kernel struct holds at 32-bit word `index` of
 * `words` (in the machine's byte order), unsigned or `signed`, as the
 * nearest double — what `Number` of node's `readBigUInt64`/`readBigInt64`
 * gives, without making a bigint: the high half times 2^32 is exact, so
 * adding the low half rounds once. Typed-array reads, not `Buffer`
 * readers, which a fresh process runs as plain code.
 */
export const word64At = (words: Uint32Array, index: number, signed = false): number => {
  const high = words[littleEndian ? index + 1 : index]!
  return (signed ? high | 0 : high) * 4294967296 + words[littleEndian ? index : index + 1]!
}

/** `AT_EMPTY_PATH`: `statx` of the descriptor itself. */
export const AT_EMPTY_PATH = 0x1000
/** `STATX_BASIC_STATS`: type, mode, nlink, uid, gid, times, ino, size, blocks. */
export const STATX_BASIC_STATS = 0x7ff

/** What {@link statx} read: `struct statx`, the same layout on every architecture. */
export interface Statx {
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly nlink: number
  readonly ino: number
  readonly size: number
  /** `st_dev` as glibc's `makedev` encodes it, as node reports it. */
  readonly dev: number
  readonly mtimeMs: number
}

/**
 * `struct statx` as the kernel writes it, in the machine's byte order: read
 * as 32-bit words (and the mode as a 16-bit one) through typed-array views
 * (see {@link word64At}).
 */
const statxWords = new Uint32Array(64)
const statxHalves = new Uint16Array(statxWords.buffer)
const statxBuffer = Buffer.from(statxWords.buffer)

const u32 = (offset: number): number => statxWords[offset >> 2]!

const u64 = (offset: number, signed = false): number => word64At(statxWords, offset >> 2, signed)

/** glibc's `gnu_dev_makedev`. */
const makedev = (major: number, minor: number): number =>
  Number(
    ((BigInt(major) & 0xfffff000n) << 32n) | ((BigInt(major) & 0xfffn) << 8n) |
      ((BigInt(minor) & 0xffffff00n) << 12n) | (BigInt(minor) & 0xffn)
  )

/**
 * `statx(dirfd, path, flags, STATX_BASIC_STATS)`: the basic stats, or the
 * errno (a number); `undefined` where the C library has no `statx`. With
 * `AT_EMPTY_PATH` and `""`, the descriptor itself. Unlike node's stats, no
 * `Date` is made.
 */
export const statx = (dirfd: number, path: string, flags: number): Statx | number | undefined => {
  const b = load()
  if (b.statx === undefined) return undefined
  if (path.includes("\0")) return EINVAL
  b.koffi.errno(0)
  if ((b.statx(dirfd, path, flags, STATX_BASIC_STATS, statxBuffer) as number) < 0) return b.koffi.errno()
  const mode = statxHalves[14]!
  const minor = u32(140)
  const major = u32(136)
  return {
    mode,
    nlink: u32(16),
    uid: u32(20),
    gid: u32(24),
    ino: u64(32),
    size: u64(40),
    dev: major < 0x1000 && minor < 0x100 ? (major << 8) | minor : makedev(major, minor),
    mtimeMs: u64(112, true) * 1000 + u32(120) / 1e6
  }
}
const SEEK_SET = 0

/** One entry `getdents64(2)` returned: the name and the raw `d_type`. */
export interface RawDirent {
  readonly name: string
  readonly dtype: number
}

const direntBuffer = Buffer.alloc(32768)

/**
 * Every entry of the directory open at `fd`, `.` and `..` included, in the
 * kernel's order: `lseek(fd, 0)` then `getdents64(2)` until it returns 0.
 * `undefined` when this C library has no `getdents64`.
 */
export const getdents = (fd: number): ReadonlyArray<RawDirent> | SyscallResult | undefined => {
  const b = load()
  if (b.getdents64 === undefined) return undefined
  b.koffi.errno(0)
  if (Number(b.lseek(fd, 0, SEEK_SET)) < 0) return { value: -1, errno: b.koffi.errno() }
  const out: Array<RawDirent> = []
  for (;;) {
    b.koffi.errno(0)
    const n = Number(b.getdents64(fd, direntBuffer, direntBuffer.length))
    if (n < 0) return { value: n, errno: b.koffi.errno() }
    if (n === 0) return out
    for (let at = 0; at < n;) {
      const reclen = littleEndian ? direntBuffer.readUInt16LE(at + 16) : direntBuffer.readUInt16BE(at + 16)
      const dtype = direntBuffer[at + 18]!
      const start = at + 19
      const end = direntBuffer.indexOf(0, start)
      out.push({ name: direntBuffer.toString("utf8", start, end < 0 || end > at + reclen ? at + reclen : end), dtype })
      at += reclen
    }
  }
}

/** Syscall numbers and flag values that differ between the architectures we support. */
export interface ArchConstants {
  readonly SYS_openat2: number
  readonly SYS_pidfd_open: number
  readonly SYS_pidfd_send_signal: number
  readonly SYS_getpid: number
  readonly SYS_flock: number
  readonly SYS_openat: number
  readonly SYS_readlinkat: number
  readonly SYS_mknodat: number
  readonly O_DIRECTORY: number
  readonly O_NOFOLLOW: number
  readonly O_CLOEXEC: number
  readonly O_PATH: number
  readonly O_NONBLOCK: number
}

const x64: ArchConstants = {
  SYS_openat2: 437,
  SYS_pidfd_open: 434,
  SYS_pidfd_send_signal: 424,
  SYS_getpid: 39,
  SYS_flock: 73,
  SYS_openat: 257,
  SYS_readlinkat: 267,
  SYS_mknodat: 259,
  O_DIRECTORY: 0x10000,
  O_NOFOLLOW: 0x20000,
  O_CLOEXEC: 0x80000,
  O_PATH: 0x200000,
  O_NONBLOCK: 0x800
}

const arm64: ArchConstants = {
  SYS_openat2: 437,
  SYS_pidfd_open: 434,
  SYS_pidfd_send_signal: 424,
  SYS_getpid: 172,
  SYS_flock: 32,
  SYS_openat: 56,
  SYS_readlinkat: 78,
  SYS_mknodat: 33,
  O_DIRECTORY: 0x4000,
  O_NOFOLLOW: 0x8000,
  O_CLOEXEC: 0x80000,
  O_PATH: 0x200000,
  O_NONBLOCK: 0x800
}

/** The constants for an architecture as Node names it (`x64`, `arm64`), or `undefined`. */
export const constantsFor = (nodeArch: string): ArchConstants | undefined =>
  nodeArch === "x64" ? x64 : nodeArch === "arm64" ? arm64 : undefined

/** The constants for this process's architecture, or `undefined` where raw syscalls are unsupported. */
export const constants: ArchConstants | undefined = constantsFor(arch)
