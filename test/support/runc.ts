/**
 * Real runc containers for interop tests and fixtures: a busybox bundle,
 * `runc create`/`start`/`pause`/`kill`, and cleanup that leaves no container,
 * cgroup or directory behind.
 */
import { execFileSync, type ExecFileSyncOptions } from "node:child_process"
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** The busybox binary from Debian's busybox-static. */
export const busyboxPath = (): string => {
  const found = ["/bin/busybox", "/usr/bin/busybox"].find((p) => existsSync(p))
  if (found === undefined) throw new Error("busybox not found (apt-get install busybox-static)")
  return found
}

/** Runs `runc --root <root> args…` and returns its stdout. */
export const runc = (root: string, args: ReadonlyArray<string>, options: ExecFileSyncOptions = {}): string =>
  execFileSync("runc", ["--root", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options })
    .toString()

/** Like {@link runc} but returns the exit status, stdout and stderr instead of throwing. */
export const runcResult = (root: string, args: ReadonlyArray<string>) => {
  try {
    return { status: 0, stdout: runc(root, args), stderr: "" }
  } catch (e) {
    const err = e as { status?: number; stdout?: Buffer | string; stderr?: Buffer | string }
    return { status: err.status ?? 1, stdout: String(err.stdout ?? ""), stderr: String(err.stderr ?? "") }
  }
}

/** How {@link makeBundle} departs from runc's default spec. */
export interface BundleOptions {
  /** Pins the container's cgroup. */
  readonly cgroupsPath?: string
  readonly annotations?: Record<string, string>
  /** The container's process (default `sleep 100000`). */
  readonly args?: ReadonlyArray<string>
  /** Share the host's PID namespace (drop the spec's `pid` namespace). */
  readonly hostPidNamespace?: boolean
  /** The spec's `linux.resources` (OCI `LinuxResources`). */
  readonly resources?: Record<string, unknown>
  /** More busybox applets to link in the rootfs (besides sh, sleep, cat, true). */
  readonly applets?: ReadonlyArray<string>
}

/**
 * A bundle whose process sleeps: a busybox rootfs and runc's default spec
 * with no terminal. `cgroupsPath` pins the cgroup when given.
 */
export const makeBundle = (options: BundleOptions = {}): string => {
  const bundle = mkdtempSync(join(tmpdir(), "elc-bundle-"))
  const rootfs = join(bundle, "rootfs")
  for (const d of ["bin", "proc", "dev", "sys", "tmp"]) mkdirSync(join(rootfs, d), { recursive: true })
  copyFileSync(busyboxPath(), join(rootfs, "bin", "busybox"))
  chmodSync(join(rootfs, "bin", "busybox"), 0o755)
  for (const applet of ["sh", "sleep", "cat", "true", "false", "echo", ...(options.applets ?? [])]) {
    symlinkSync("busybox", join(rootfs, "bin", applet))
  }
  execFileSync("runc", ["spec"], { cwd: bundle })
  const spec = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"))
  spec.process.terminal = false
  spec.process.args = options.args ?? ["sleep", "100000"]
  if (options.hostPidNamespace === true) {
    spec.linux.namespaces = spec.linux.namespaces.filter((ns: { type: string }) => ns.type !== "pid")
  }
  if (options.cgroupsPath !== undefined) spec.linux.cgroupsPath = options.cgroupsPath
  if (options.annotations !== undefined) spec.annotations = options.annotations
  if (options.resources !== undefined) spec.linux.resources = { ...spec.linux.resources, ...options.resources }
  writeFileSync(join(bundle, "config.json"), JSON.stringify(spec, null, 2))
  return bundle
}

/** The statuses runc can put a container in. */
export type RealStatus = "created" | "running" | "paused" | "stopped"

/** Creates container `id` in `root` from `bundle` and drives it to `status`. */
export const createContainer = (root: string, id: string, bundle: string, status: RealStatus): void => {
  // runc init keeps stdio open while it waits on exec.fifo: no pipes here.
  execFileSync("runc", ["--root", root, "create", "--bundle", bundle, id], { stdio: "ignore" })
  if (status === "created") return
  runc(root, ["start", id])
  if (status === "paused") runc(root, ["pause", id])
  if (status === "stopped") {
    runc(root, ["kill", id, "KILL"])
    for (let i = 0; i < 200; i++) {
      if (JSON.parse(runc(root, ["state", id])).status === "stopped") return
      execFileSync("sleep", ["0.02"])
    }
    throw new Error(`container ${id} did not stop`)
  }
}

/** Removes a container whatever its status (thawing a paused one first). */
export const destroyContainer = (root: string, id: string): void => {
  runcResult(root, ["resume", id])
  runcResult(root, ["delete", "--force", id])
}

/** A fresh state root (a temp dir) for runc. */
export const makeRoot = (): string => mkdtempSync(join(tmpdir(), "elc-root-"))

/**
 * A scoped real container: bundle, root, container in `status`; all removed
 * when the scope closes, even when the test fails.
 */
export const realContainer = (
  id: string,
  status: RealStatus,
  options: BundleOptions & { readonly root?: string } = {}
): Effect.Effect<{ readonly root: string; readonly bundle: string; readonly id: string }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const root = options.root ?? makeRoot()
      const bundle = makeBundle(options)
      try {
        createContainer(root, id, bundle, status)
      } catch (e) {
        destroyContainer(root, id)
        rmSync(bundle, { recursive: true, force: true })
        if (options.root === undefined) rmSync(root, { recursive: true, force: true })
        throw e
      }
      return { root, bundle, id }
    }),
    ({ bundle, root }) =>
      Effect.sync(() => {
        destroyContainer(root, id)
        rmSync(bundle, { recursive: true, force: true })
        if (options.root === undefined) rmSync(root, { recursive: true, force: true })
      })
  )
