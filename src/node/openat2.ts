/**
 * Race-free opening inside a root directory: `openat2(2)` with
 * `RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS` through koffi, as
 * filepath-securejoin's `OpenInRoot` does, and a userspace resolver for
 * kernels without openat2 (before 5.6, or hidden by seccomp).
 *
 * The resolver walks SecureJoin's way — one component at a time, each opened
 * `O_PATH|O_NOFOLLOW` relative to the directory fd it came from, symlinks
 * expanded by hand, `..` stepping back to a directory fd already held,
 * absolute targets restarting at the root — and then checks through
 * `/proc/self/fd` that what it opened is still under the root. So a symlink
 * swapped in or a directory moved out mid-walk cannot make it open anything
 * outside; it fails with EXDEV and is retried, like openat2.
 *
 * Errors match openat2's (ENOENT for a missing component, ENOTDIR, ELOOP
 * after 40 symlinks, EACCES…), so the layer behaves the same on both paths.
 */
import { closeSync, fstatSync, openSync, readlinkSync } from "node:fs"
import * as Effect from "effect/Effect"
import { SystemError } from "../ContainerError.js"
import * as Errno from "../internal/errno.js"
import * as Libc from "./libc.js"
import {
  archConstants,
  ENOSYS,
  hasOpenat2,
  maxRetries,
  maxSymlinkFollows,
  openat2,
  type Options,
  RESOLVE_IN_ROOT,
  RESOLVE_NO_MAGICLINKS,
  type Syscall
} from "./openat2Syscall.js"

export * from "./openat2Syscall.js"


/** A path's components; a trailing `/` adds a final `.` so the target must be a directory. */
const componentsOf = (path: string): Array<string> => {
  const parts = path.split("/").filter((p) => p !== "")
  if (parts.length > 0 && path.endsWith("/")) parts.push(".")
  return parts
}

/** Whether `path` (a `/proc/self/fd` readlink) is `root` or below it. */
export const isUnder = (path: string, root: string): boolean =>
  root === "/" ? path.startsWith("/") : path === root || path.startsWith(`${root}/`)

const fdPath = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`)

type Walked = { readonly fd: number } | { readonly errno: number }

const errnoOf = (code: string): number => Errno.numberOf(code) ?? 5

const errnoOfThrown = (e: unknown): number => {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  return typeof code === "string" ? errnoOf(code) : errnoOf("EIO")
}

/**
 * The userspace resolver, one attempt: an `O_PATH` fd of the target, or an
 * errno. EXDEV means the target was found outside the root.
 */
const walkOnce = (rootFd: number, rootReal: string, unsafePath: string, options: Options | undefined): Walked => {
  const constants = archConstants(options)
  if (constants === undefined) return { errno: ENOSYS }
  const call = options?.syscall ?? Libc.syscall
  const held: Array<number> = []
  let leaf: number | undefined
  const release = () => {
    for (const fd of held) closeSync(fd)
    held.length = 0
  }
  try {
    if (unsafePath === "") return { errno: errnoOf("ENOENT") }
    const pending = componentsOf(unsafePath).reverse()
    let links = 0
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (leaf !== undefined) return { errno: errnoOf("ENOTDIR") }
      if (name === ".") continue
      if (name === "..") {
        const parent = held.pop()
        if (parent !== undefined) closeSync(parent)
        continue
      }
      const dirfd = held[held.length - 1] ?? rootFd
      const opened = call(constants.SYS_openat, dirfd, name, constants.O_PATH | constants.O_NOFOLLOW | constants.O_CLOEXEC)
      if (opened.value < 0) return { errno: opened.errno }
      const stats = fstatSync(opened.value)
      if (stats.isSymbolicLink()) {
        const target = readLinkFd(opened.value, call, constants)
        closeSync(opened.value)
        if (typeof target === "number") return { errno: target }
        if (++links > maxSymlinkFollows) return { errno: errnoOf("ELOOP") }
        if (target.startsWith("/")) release()
        pending.push(...componentsOf(target).reverse())
        continue
      }
      if (stats.isDirectory()) held.push(opened.value)
      else leaf = opened.value
    }
    const found = leaf ?? held[held.length - 1] ?? rootFd
    if (!isUnder(fdPath(found), rootReal)) return { errno: errnoOf("EXDEV") }
    const fd = found === rootFd ? openSync(`/proc/self/fd/${rootFd}`, constants.O_PATH) : found
    if (found === leaf) leaf = undefined
    else if (found !== rootFd) held.pop()
    return { fd }
  } catch (e) {
    return { errno: errnoOfThrown(e) }
  } finally {
    if (leaf !== undefined) closeSync(leaf)
    release()
  }
}

const readLinkFd = (fd: number, call: Syscall, constants: Libc.ArchConstants): string | number => {
  const buffer = Buffer.alloc(4096)
  const result = call(constants.SYS_readlinkat, fd, "", buffer, buffer.length)
  return result.value < 0 ? result.errno : buffer.subarray(0, result.value).toString()
}

/**
 * The userspace resolver: opens `unsafePath` inside the directory `rootFd`
 * (whose `/proc/self/fd` path is `rootReal`) with `flags`, retrying like
 * openat2 when the target was found outside the root.
 */
export const resolveInUserspace = (
  rootFd: number,
  rootReal: string,
  unsafePath: string,
  flags: number,
  options?: Options
): Libc.SyscallResult => {
  let last = 0
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    const walked = walkOnce(rootFd, rootReal, unsafePath, options)
    if ("errno" in walked) {
      if (walked.errno !== errnoOf("EXDEV")) return { value: -1, errno: walked.errno }
      last = walked.errno
      continue
    }
    try {
      return { value: openSync(`/proc/self/fd/${walked.fd}`, flags), errno: 0 }
    } catch (e) {
      return { value: -1, errno: errnoOfThrown(e) }
    } finally {
      closeSync(walked.fd)
    }
  }
  return { value: -1, errno: last }
}

/** An fd opened inside a root, with where it was found (its `/proc/self/fd` path). */
export interface InRootHandle {
  readonly fd: number
  readonly realPath: string
}

/** What {@link openInRoot} needs: the root's fd and `/proc/self/fd` path, and how to name errors. */
export interface InRootRequest {
  readonly rootFd: number
  readonly rootReal: string
  readonly unsafePath: string
  readonly flags: number
  readonly displayPath: string
}

/**
 * Opens `unsafePath` with `flags` as if `rootFd` were `/`, by openat2 or the
 * userspace resolver (see {@link Resolver}): the handle, or a SystemError with
 * op `openat2` and `displayPath`, whichever way was taken.
 */
export const openInRootSync = (request: InRootRequest, options?: Options): InRootHandle | SystemError => {
  const resolver = options?.resolver ?? "auto"
  const useOpenat2 = resolver === "openat2" || (resolver === "auto" && hasOpenat2(options))
  const result = useOpenat2
    ? openat2(request.rootFd, request.unsafePath, {
      flags: request.flags,
      mode: 0,
      resolve: RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS
    }, options)
    : resolveInUserspace(request.rootFd, request.rootReal, request.unsafePath, request.flags, options)
  if (result.value < 0) {
    return new SystemError({ op: "openat2", path: request.displayPath, code: Errno.nameOf(result.errno) })
  }
  try {
    return { fd: result.value, realPath: fdPath(result.value) }
  } catch (e) {
    closeSync(result.value)
    return new SystemError({ op: "readlink", path: `/proc/self/fd/${result.value}`, code: Errno.nameOf(errnoOfThrown(e)) })
  }
}

/** {@link openInRootSync} as an Effect. */
export const openInRoot = (request: InRootRequest, options?: Options): Effect.Effect<InRootHandle, SystemError> =>
  Effect.suspend(() => {
    const opened = openInRootSync(request, options)
    return opened instanceof SystemError ? Effect.fail(opened) : Effect.succeed(opened)
  })
