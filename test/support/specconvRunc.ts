/**
 * Runs a {@link SpecCase} both ways: through real `runc create` (reading the
 * config runc saved in state.json, or the error it logged) and through our
 * pre-flight (load, convert, validate, process). Also the placeholders the
 * recorded fixtures use, so they do not depend on temp paths or ids.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import type * as Config from "../../src/Config.js"
import * as State from "../../src/State.js"
import { stringify } from "../../src/internal/json/GoJson.js"
import { createLibcontainerConfig } from "../../src/internal/specconv/convert.js"
import { loadSpec } from "../../src/internal/specconv/load.js"
import { initProcess } from "../../src/internal/specconv/process.js"
import type { SpecCase } from "./specconvCases.js"
import { busyboxPath } from "./runc.js"

// JSON as `runc spec` writes it.
type Json = any // eslint-disable-line @typescript-eslint/no-explicit-any

/** Where a case's names live for one run. */
export interface Names {
  readonly id: string
  /** The unique cgroup prefix `{{CG}}` stands for. */
  readonly cg: string
}

/** A written bundle. */
export interface Bundle {
  /** The bundle directory as runc's getcwd sees it (symlinks resolved). */
  readonly dir: string
  readonly configText: string
}

/** What runc (or we) made of a bundle. */
export type Outcome =
  | { readonly ok: true; readonly config: Config.Config; readonly warnings: ReadonlyArray<string> }
  | { readonly ok: false; readonly message: string; readonly warnings: ReadonlyArray<string> }

/** The base specs: `runc spec` and `runc spec --rootless`, terminal off, a sleeping busybox. */
export const baseSpecs = (scratch: string): { readonly plain: Json; readonly rootless: Json } => {
  const read = (args: Array<string>, name: string) => {
    const dir = join(scratch, name)
    mkdirSync(dir, { recursive: true })
    execFileSync("runc", ["spec", ...args], { cwd: dir })
    const spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"))
    spec.process.terminal = false
    spec.process.args = ["sleep", "1000"]
    rmSync(dir, { recursive: true, force: true })
    return spec
  }
  return { plain: read([], "base-plain"), rootless: read(["--rootless"], "base-rootless") }
}

/** Replaces the placeholders of a config text with this run's values. */
export const fill = (text: string, names: Names, bundle: string): string =>
  text.replaceAll("{{BUNDLE}}", bundle).replaceAll("{{CG}}", names.cg).replaceAll("{{ID}}", names.id)

/** Puts the placeholders back (longest values first). */
export const unfill = (text: string, names: Names, bundle: string): string =>
  text.replaceAll(bundle, "{{BUNDLE}}").replaceAll(names.id, "{{ID}}").replaceAll(names.cg, "{{CG}}")

/** The config.json text of a case, with placeholders. */
export const caseConfigText = (c: SpecCase, bases: { readonly plain: Json; readonly rootless: Json }): string => {
  const spec = structuredClone(c.rootless === true ? bases.rootless : bases.plain)
  const edited = c.edit?.(spec)
  return typeof edited === "string" ? edited : stringify(spec)
}

/** Writes a bundle with a busybox rootfs under `parent`. */
export const writeBundle = (parent: string, c: SpecCase, configText: string, names: Names): Bundle => {
  const dir = join(parent, c.name)
  const rootfs = join(dir, "rootfs")
  for (const d of ["bin", "proc", "dev", "sys", "tmp", "mnt"]) mkdirSync(join(rootfs, d), { recursive: true })
  copyFileSync(busyboxPath(), join(rootfs, "bin", "busybox"))
  chmodSync(join(rootfs, "bin", "busybox"), 0o755)
  for (const applet of ["sh", "sleep", "true"]) symlinkSync("busybox", join(rootfs, "bin", applet))
  const real = realpathSync(dir)
  const text = fill(configText, names, real)
  writeFileSync(join(dir, "config.json"), text)
  return { dir: real, configText: text }
}

const logLines = (file: string): Array<{ level: string; msg: string }> =>
  existsSync(file)
    ? readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l))
    : []

/** The config as state.json holds it, re-read with our decoder. */
const savedConfig = (root: string, id: string): Config.Config =>
  Either.getOrThrow(State.decodeJson(readFileSync(join(root, id, "state.json")))).config

/**
 * `runc create` of the bundle, then `runc delete -f`: runc's saved config, or
 * the message of its last error line (without `runc create failed: `), and
 * the warnings it logged.
 */
export const runcCreate = (root: string, bundle: Bundle, c: SpecCase, names: Names): Outcome => {
  const log = join(root, `${names.id}.log`)
  const flags = [...(c.noPivot === true ? ["--no-pivot"] : []), ...(c.noNewKeyring === true ? ["--no-new-keyring"] : [])]
  let created = true
  try {
    // runc init keeps the stdio it was given open until start: no pipes.
    const global = ["--root", root, "--log", log, "--log-format", "json", ...(c.systemd === true ? ["--systemd-cgroup"] : [])]
    execFileSync("runc", [...global, "create", "--bundle", bundle.dir, ...flags, names.id], {
      stdio: "ignore",
      timeout: 30_000
    })
  } catch {
    created = false
  }
  try {
    const lines = logLines(log)
    const warnings = lines.filter((l) => l.level === "warning").map((l) => l.msg)
    if (created) return { ok: true, config: savedConfig(root, names.id), warnings }
    const error = lines.filter((l) => l.level === "error").at(-1)
    return { ok: false, message: (error?.msg ?? "").replace(/^runc create failed: /, ""), warnings }
  } finally {
    try {
      execFileSync("runc", ["--root", root, "delete", "-f", names.id], { stdio: "ignore" })
    } catch {
      // not created
    }
  }
}

/**
 * Our pre-flight, in runc's order: load, convert, then (when `validate` is
 * given) validation, then the process's rlimits.
 */
export const ourCreate = <R = never>(
  bundle: Bundle,
  c: SpecCase,
  names: Names,
  validate?: (config: Config.Config) => Effect.Effect<void, { readonly message: string }, R>
): Effect.Effect<Outcome, never, R> => {
  const warnings: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) warnings.push(Array.isArray(message) ? message.join(" ") : String(message))
  })
  return Effect.gen(function*() {
    const spec = yield* loadSpec(bundle.configText)
    const config = yield* createLibcontainerConfig(spec, {
      bundle: bundle.dir,
      cgroupName: names.id,
      noPivotRoot: c.noPivot === true,
      noNewKeyring: c.noNewKeyring === true,
      useSystemdCgroup: c.systemd === true
    })
    if (validate !== undefined) yield* validate(config)
    yield* initProcess(spec.process!)
    return config
  }).pipe(
    Effect.match({
      onFailure: (e): Outcome => ({ ok: false, message: e.message, warnings }),
      onSuccess: (config): Outcome => ({ ok: true, config, warnings })
    }),
    Effect.provide(Logger.replace(Logger.defaultLogger, logger))
  )
}

/** Labels in a fixed order: runc writes annotations in Go's random map order. */
export const normalise = (config: Config.Config): Config.Config => {
  const labels = config.labels ?? []
  const bundle = labels.filter((l) => l.startsWith("bundle="))
  const others = labels.filter((l) => !l.startsWith("bundle=")).sort()
  return { ...config, labels: [...others, ...bundle] }
}

/** The cgroup hierarchies of this host, with this process's own cgroup in each. */
const hierarchies = (): Array<{ readonly mount: string; readonly own: string }> => {
  const out: Array<{ mount: string; own: string }> = []
  for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line)
    if (m === null) continue
    const controllers = m[1]!.replace(/^name=/, "")
    const mount = controllers === "" ? "/sys/fs/cgroup/unified" : `/sys/fs/cgroup/${controllers.split(",")[0]}`
    if (existsSync(mount)) out.push({ mount, own: m[2]! })
  }
  return out
}

const removeTree = (dir: string): void => {
  if (!existsSync(dir)) return
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeTree(join(dir, entry.name))
  }
  try {
    rmdirSync(dir)
  } catch {
    // busy or gone: the next run's prefix differs
  }
}

/** Removes every cgroup a run may have left: `<prefix>` and `<id>`, at the root and under our own cgroup. */
export const removeCgroups = (names: ReadonlyArray<string>): void => {
  for (const { mount, own } of hierarchies()) {
    for (const base of ["/", own]) {
      for (const name of names) removeTree(join(mount, base, name))
    }
  }
}
