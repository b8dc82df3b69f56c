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
import { arch } from "node:process"

type KoffiModule = typeof Koffi
type KoffiFunction = ReturnType<ReturnType<KoffiModule["load"]>["func"]>

interface Bindings {
  readonly koffi: KoffiModule
  readonly syscall: KoffiFunction
  readonly open: KoffiFunction
}

let bindings: Bindings | undefined

const load = (): Bindings => {
  if (bindings === undefined) {
    const koffi = createRequire(import.meta.url)("koffi") as KoffiModule
    const lib = koffi.load(null as unknown as string)
    bindings = {
      koffi,
      syscall: lib.func("long syscall(long number, ...)"),
      // open(2) without O_CREAT takes no mode, so the fixed two-argument form is exact.
      open: lib.func("int open(const char *path, int flags)")
    }
  }
  return bindings
}

/** The koffi module itself, loaded on first use. */
export const koffi = (): KoffiModule => load().koffi

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
