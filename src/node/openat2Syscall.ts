/**
 * The `openat2(2)` system call through koffi: `struct open_how`, the
 * `RESOLVE_*` bits, filepath-securejoin's retry policy and its probe for a
 * kernel that has the call. No effects, so the direct calls of the node
 * layer (`direct.ts`) and the CLI's start use it without loading Effect;
 * `openat2.ts` builds the race-free open inside a root on top of it.
 */
import { closeSync } from "node:fs"
import * as Errno from "../internal/errno.js"
import * as Libc from "./libc.js"

// `RESOLVE_*` bits of `struct open_how` (`linux/openat2.h`), the same on every architecture.
/** Fail with EXDEV on crossing a mount point. */
export const RESOLVE_NO_XDEV = 0x01
/** Fail with ELOOP on procfs magic links (`/proc/<pid>/fd/*`, `/proc/<pid>/ns/*`). */
export const RESOLVE_NO_MAGICLINKS = 0x02
/** Fail with ELOOP on any symlink. */
export const RESOLVE_NO_SYMLINKS = 0x04
/** Fail with EXDEV when resolution would leave the directory fd. */
export const RESOLVE_BENEATH = 0x08
/** Resolve as if the directory fd were the root: `..`, `/` and absolute links stay inside. */
export const RESOLVE_IN_ROOT = 0x10

/** `AT_FDCWD`. */
export const AT_FDCWD = -100

/** `sizeof(struct open_how)`. */
export const openHowSize = 24

/** Linux's `MAXSYMLINKS`, which openat2 applies and the resolver copies. */
export const maxSymlinkFollows = 40

/**
 * Retries after the first attempt when openat2 reports EAGAIN (a rename or
 * mount raced a `..`) or EXDEV (its final check saw an escape):
 * filepath-securejoin 0.5.1+'s policy. Then the last error is returned.
 */
export const maxRetries = 128

/** `struct open_how`. */
export interface OpenHow {
  readonly flags: number
  readonly mode: number
  readonly resolve: number
}

/** `syscall(2)`; tests pass a stub. */
export type Syscall = (number: number, ...args: ReadonlyArray<Libc.SyscallArg>) => Libc.SyscallResult

/** Which way `openInRoot` resolves: openat2 when the probe found it, or forced one way. */
export type Resolver = "auto" | "openat2" | "userspace"

/** Dependencies of this module, replaceable in tests. */
export interface Options {
  readonly syscall?: Syscall
  readonly constants?: Libc.ArchConstants
  readonly resolver?: Resolver
}

/** The constants of `options`, else this architecture's. */
export const archConstants = (options: Options | undefined): Libc.ArchConstants | undefined =>
  options?.constants ?? Libc.constants

/** `struct open_how` as the kernel reads it: three little-endian u64s. */
export const encodeOpenHow = (how: OpenHow): Buffer => {
  const buffer = Buffer.alloc(openHowSize)
  buffer.writeBigUInt64LE(BigInt(how.flags), 0)
  buffer.writeBigUInt64LE(BigInt(how.mode), 8)
  buffer.writeBigUInt64LE(BigInt(how.resolve), 16)
  return buffer
}

/** `ENOSYS`, the same on every Linux architecture. */
export const ENOSYS = 38

/** One `openat2(dirfd, path, how, 24)` call; O_CLOEXEC is always added. */
export const openat2Once = (dirfd: number, path: string, how: OpenHow, options?: Options): Libc.SyscallResult => {
  const constants = archConstants(options)
  if (constants === undefined) return { value: -1, errno: ENOSYS }
  const call = options?.syscall ?? Libc.syscall
  const encoded = encodeOpenHow({ ...how, flags: how.flags | constants.O_CLOEXEC })
  return call(constants.SYS_openat2, dirfd, path, encoded, openHowSize)
}

const retriable = (how: OpenHow, errno: number): boolean =>
  (how.resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH)) !== 0 &&
  (errno === Errno.numberOf("EAGAIN") || errno === Errno.numberOf("EXDEV"))

/**
 * `openat2` with securejoin's retry policy: a scoped lookup (IN_ROOT or
 * BENEATH) failing with EAGAIN or EXDEV is retried at once, up to
 * {@link maxRetries} times; any other result is returned as is.
 */
export const openat2 = (
  dirfd: number,
  path: string,
  how: OpenHow,
  options?: Options
): Libc.SyscallResult & { readonly attempts: number } => {
  let attempts = 0
  for (;;) {
    attempts++
    const result = openat2Once(dirfd, path, how, options)
    if (result.value >= 0 || !retriable(how, result.errno) || attempts > maxRetries) return { ...result, attempts }
  }
}

/**
 * filepath-securejoin's probe: `openat2(AT_FDCWD, ".", O_PATH,
 * RESOLVE_NO_SYMLINKS | RESOLVE_IN_ROOT)`. Any failure (ENOSYS before 5.6,
 * EPERM or ENOSYS from seccomp) means "use the userspace resolver".
 */
export const probe = (options?: Options): boolean => {
  const constants = archConstants(options)
  if (constants === undefined) return false
  const result = openat2Once(AT_FDCWD, ".", {
    flags: constants.O_PATH,
    mode: 0,
    resolve: RESOLVE_NO_SYMLINKS | RESOLVE_IN_ROOT
  }, options)
  if (result.value < 0) return false
  closeSync(result.value)
  return true
}

let probed: boolean | undefined

/**
 * Whether this process can use openat2: probed once, on first use. With an
 * injected `syscall` (tests), that one is probed instead, uncached.
 */
export const hasOpenat2 = (options?: Options): boolean =>
  options?.syscall !== undefined ? probe(options) : (probed ??= probe(options))
