/**
 * Builds the installed `libcontainer` executable with esbuild, so the CLI
 * starts without resolving and compiling hundreds of modules:
 *
 *   npx tsx scripts/build-cli.ts [--outdir bin]
 *
 * Generated files (never committed): `libcontainer-main.cjs`, the program
 * (`src/cli/main.ts`: the command line, `list`, `state`, `ps`) in one
 * minified file, and `libcontainer-app.cjs` (`src/cli/app.ts`: Effect and
 * the library), which the first loads only when a command needs it;
 * `libcontainer.cjs`, the small CommonJS launcher `package.json`'s `bin`
 * points at (`src/cli/launcher.ts` after a shell prelude,
 * {@link launcherPrelude}); and `libcontainer-main.cache` and
 * `libcontainer-app.cache`, V8's code caches of the two bundles, made by
 * running the CLI (a `list` and a `state`) — which doubles as a smoke test
 * of the bundles. Run by `npm run build:cli`, `npm run build` and
 * `prepare` (so `npm ci` and `npm pack` produce it). koffi stays external —
 * it is native, and `src/internal/node/libc.ts` requires it only when a
 * system call first needs it.
 */
import * as esbuild from "esbuild"
import { spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { setAsideShell } from "../src/cli/setAside.js"

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..")

/** Where the executable goes by default: the package's `bin` directory. */
export const defaultOutdir = join(projectRoot, "bin")

/** The executable in an output directory (what `package.json`'s `bin` names). */
export const executableIn = (outdir: string): string => join(outdir, "libcontainer.cjs")

/**
 * The node flags the executable runs with (and its code caches are made
 * with: V8 refuses a cache made under other flags). A young generation of
 * at most 4 MiB per semi-space: `list` of 10,000 containers then peaks
 * about 20 MB lower, for no measurable time (docs/benchmarks.md). V8 reads
 * heap sizes only at start, so this must be on the command line.
 */
export const nodeFlags: ReadonlyArray<string> = ["--max-semi-space-size=4"]

/**
 * The first lines of the executable: a shell prelude that is also valid
 * JavaScript (a string, then a comment). The shell checks whether stdout is
 * open — Node would silently put /dev/null in place of a closed one, and
 * runc fails with `write /dev/stdout: bad file descriptor` — tells the CLI
 * through `LIBCONTAINER_STDOUT_CLOSED`, keeps `NODE_EXTRA_CA_CERTS` from
 * node's start (`src/cli/setAside.ts`: the launcher puts it back), then runs
 * this same file with node and `flags`.
 */
export const launcherPrelude = (flags: ReadonlyArray<string> = nodeFlags): string =>
  [
    "#!/bin/sh",
    `":" //; if { true 3>&1; } 2>/dev/null; then unset LIBCONTAINER_STDOUT_CLOSED; ` +
    `else LIBCONTAINER_STDOUT_CLOSED=1; export LIBCONTAINER_STDOUT_CLOSED; fi; ${setAsideShell} exec node ${
      flags.map((flag) => `${flag} `).join("")
    }"$0" "$@"`
  ].join("\n")

const common: esbuild.BuildOptions = {
  absWorkingDir: projectRoot,
  bundle: true,
  platform: "node",
  target: "node20",
  // Less to parse at every start; names do not matter to the CLI's output.
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  // what went into the bundle, for `BuildResult.inputs`
  metafile: true
}

/** Sizes of what {@link buildCli} wrote, in bytes. */
export interface BuildResult {
  readonly executable: string
  /** The two bundles together. */
  readonly bundleBytes: number
  /** Their two code caches together. */
  readonly cacheBytes: number
  /** The source files with code in either bundle (esbuild's metafiles), relative to the project. */
  readonly inputs: ReadonlyArray<string>
}

/** A state.json of a stopped container (its pid long gone, no cgroup), for the run that makes the program's cache. */
const stoppedState = JSON.stringify({
  id: "build",
  init_process_pid: 2147483646,
  init_process_start: 1,
  created: "2026-01-01T00:00:00Z",
  config: {
    rootfs: "/",
    labels: ["bundle=/nonexistent"],
    cgroups: { path: "/nonexistent", devices: null },
    version: "1.0.2-dev"
  },
  cgroup_paths: { "": "/sys/fs/cgroup/nonexistent", freezer: "/sys/fs/cgroup/freezer/nonexistent" },
  namespace_paths: {}
})

/** The bundles' shared build options: CommonJS, because V8's code cache is for scripts; koffi required relative to the bundle itself. */
const bundle = (entry: string, outfile: string, external: ReadonlyArray<string>) =>
  esbuild.build({
    ...common,
    entryPoints: [entry],
    outfile,
    format: "cjs",
    external: ["koffi", ...external],
    // an import() left as it is would need a loader vm.Script does not have: it becomes a require
    supported: { "dynamic-import": false },
    define: { "import.meta.url": "__bundleUrl" },
    banner: { js: `var __bundleUrl = require("node:url").pathToFileURL(__filename).href;` }
  })

const inputsOf = (result: esbuild.BuildResult): ReadonlyArray<string> => {
  const output = Object.values(result.metafile?.outputs ?? {})[0]
  return Object.entries(output?.inputs ?? {}).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path)
}

/**
 * Runs the built executable as it is installed (its shell prelude, and so
 * the node flags the caches must be made with), writing the caches of the
 * bundles it loads; `expect` is the exit status it must end with.
 */
const cacheRun = (executable: string, args: ReadonlyArray<string>, expect: number): void => {
  const run = spawnSync(executable, args, {
    env: { ...process.env, LIBCONTAINER_CODE_CACHE: "write" },
    encoding: "utf8"
  })
  if (run.status !== expect) {
    throw new Error(`the built CLI failed its run of ${args.join(" ")} (${run.status}): ${run.stderr}`)
  }
}

/** Builds the executable, its two bundles and their code caches into `outdir`. */
export const buildCli = async (outdir: string = defaultOutdir, flags: ReadonlyArray<string> = nodeFlags): Promise<BuildResult> => {
  const program = join(outdir, "libcontainer-main.cjs")
  const app = join(outdir, "libcontainer-app.cjs")
  const caches = [join(outdir, "libcontainer-main.cache"), join(outdir, "libcontainer-app.cache")]
  const executable = executableIn(outdir)
  // the caches, and what earlier builds named otherwise (the ESM launcher `libcontainer.js`, the program's old cache)
  for (const stale of [...caches, join(outdir, "libcontainer.js"), join(outdir, "libcontainer.cache")]) rmSync(stale, { force: true })
  // the program's `import("./app.js")` is the launcher's to resolve: to the second bundle
  const built = await Promise.all([bundle("src/cli/main.ts", program, ["./app.js"]), bundle("src/cli/app.ts", app, [])])
  await esbuild.build({
    ...common,
    entryPoints: ["src/cli/launcher.ts"],
    outfile: executable,
    // CommonJS: Node's CommonJS loader starts it, not the slower ESM one (`.cjs`, whatever the package's type)
    format: "cjs",
    banner: { js: launcherPrelude(flags) }
  })
  chmodSync(executable, 0o755)
  const root = mkdtempSync(join(tmpdir(), "libcontainer-build-"))
  try {
    // the program's cache: a list that loads a container the lean way, as every list does
    mkdirSync(join(root, "build"))
    writeFileSync(join(root, "build", "state.json"), stoppedState)
    cacheRun(executable, ["--root", root, "list"], 0)
    // the Effect program's: a container the lean Load hands over, then refused by the careful one
    mkdirSync(join(root, "corrupt"))
    writeFileSync(join(root, "corrupt", "state.json"), "{")
    cacheRun(executable, ["--root", root, "state", "corrupt"], 1)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
  const size = (paths: ReadonlyArray<string>) => paths.reduce((sum, path) => sum + statSync(path).size, 0)
  return {
    executable,
    bundleBytes: size([program, app]),
    cacheBytes: size(caches),
    inputs: [...new Set(built.flatMap(inputsOf))]
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]

if (invokedDirectly) {
  const flag = process.argv.indexOf("--outdir")
  const flags = process.argv.indexOf("--node-flags")
  const result = await buildCli(
    flag >= 0 ? process.argv[flag + 1] : undefined,
    flags >= 0 ? (process.argv[flags + 1] ?? "").split(" ").filter((f) => f !== "") : undefined
  )
  process.stdout.write(
    `${result.executable}: bundles ${(result.bundleBytes / 1024).toFixed(0)} KiB, code caches ${(result.cacheBytes / 1024).toFixed(0)} KiB\n`
  )
}
