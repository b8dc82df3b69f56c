/**
 * The cgroup failure type and the few runc sentinels built from it. Kept
 * apart from `CgroupManager.ts` (which re-exports {@link CgroupError}) so the
 * implementation modules can construct it without an import cycle.
 */
import * as Data from "effect/Data"
import type { SystemError } from "../../ContainerError.js"

/**
 * What kind of cgroup failure this is, where callers need to branch on it:
 * `NotFound` is runc's `NotFoundError` (a hierarchy is not mounted, so
 * `initPaths` skips it); `DbusRequired` marks a systemd operation that runc
 * performs over D-Bus, which this library does not speak; `WrongFilesystem`
 * is a file or directory refused because it is not on a cgroup filesystem
 * (or a procfs file not on procfs) — runc's `not a cgroup file` — and left
 * untouched.
 */
export type CgroupErrorReason = "NotFound" | "DbusRequired" | "WrongFilesystem"

/**
 * A cgroup failure with runc's text, e.g. `cgroups/manager.New:
 * config must not be nil` or `unknown freezer.state "X"`. `cause` is the
 * system error underneath, when there is one, so callers can tell ENOENT and
 * ENODEV apart as runc does.
 */
export class CgroupError extends Data.TaggedError("CgroupError")<{
  readonly message: string
  readonly cause?: SystemError
  readonly reason?: CgroupErrorReason
}> {}

/** runc's `NotFoundError`: `mountpoint for <subsystem> not found`. */
export const notFound = (subsystem: string): CgroupError =>
  new CgroupError({ message: `mountpoint for ${subsystem} not found`, reason: "NotFound" })

/** runc's `cgroups.IsNotFound`. */
export const isNotFound = (error: unknown): boolean => error instanceof CgroupError && error.reason === "NotFound"

/** runc's `errUnified`: a v1-only lookup on a cgroup v2 host. */
export const unifiedUnsupported = (): CgroupError =>
  new CgroupError({ message: "not implemented for cgroup v2 unified hierarchy" })

/** runc's `errSubsystemDoesNotExist` (systemd managers without that hierarchy). */
export const subsystemDoesNotExist = (): CgroupError =>
  new CgroupError({ message: "cgroup: subsystem does not exist" })

/** runc's `ErrV1NoUnified`. */
export const v1NoUnified = (): CgroupError =>
  new CgroupError({ message: "invalid configuration: cannot use unified on cgroup v1" })

/** A systemd step runc performs over D-Bus; `what` says which, `hint` what to do instead. */
export const dbusRequired = (what: string, hint: string): CgroupError =>
  new CgroupError({
    message: `${what} needs systemd's D-Bus API, which effect-libcontainer does not implement; ${hint}`,
    reason: "DbusRequired"
  })
