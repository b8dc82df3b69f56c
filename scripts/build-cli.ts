/**
 * Builds the installed `libcontainer` executable with esbuild, so the CLI
 * starts without resolving and compiling hundreds of modules:
 *
 *   npx tsx scripts/build-cli.ts [--outdir bin]
 *
 * Three generated files (never committed): `libcontainer.cjs`, the whole CLI
 * (`src/cli/main.ts`) in one minified file, whose Effect and library parts
 * are initialised only when a command runs; `libcontainer.js`, the small
 * launcher `package.json`'s `bin` points at (`src/cli/launcher.ts` after a
 * shell prelude, {@link launcherPrelude}); and
 * `libcontainer.cache`, V8's code cache of the bundle, made by running the
 * CLI once (`list` on an empty temporary root) — which doubles as a smoke
 * test of the bundle. Run by `npm run build:cli`, `npm run build` and
 * `prepare` (so `npm ci` and `npm pack` produce it). koffi stays external —
 * it is native, and `src/internal/node/libc.ts` requires it only when a
 * system call first needs it.
 */
import * as esbuild from "esbuild"
import { spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..")

/** Where the executable goes by default: the package's `bin` directory. */
export const defaultOutdir = join(projectRoot, "bin")

/** The executable in an output directory (what `package.json`'s `bin` names). */
export const executableIn = (outdir: string): string => join(outdir, "libcontainer.js")

/**
 * The first lines of the executable: a shell prelude that is also valid
 * JavaScript (a string, then a comment). The shell checks whether stdout is
 * open — Node would silently put /dev/null in place of a closed one, and
 * runc fails with `write /dev/stdout: bad file descriptor` — tells the CLI
 * through `LIBCONTAINER_STDOUT_CLOSED`, then runs this same file with node.
 */
export const launcherPrelude = [
  "#!/bin/sh",
  `":" //; if { true 3>&1; } 2>/dev/null; then unset LIBCONTAINER_STDOUT_CLOSED; ` +
  `else LIBCONTAINER_STDOUT_CLOSED=1; export LIBCONTAINER_STDOUT_CLOSED; fi; exec node "$0" "$@"`
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
  readonly bundleBytes: number
  readonly cacheBytes: number
  /** The source files with code in the bundle (esbuild's metafile), relative to the project. */
  readonly inputs: ReadonlyArray<string>
}

/** Builds the executable, its bundle and its code cache into `outdir`. */
export const buildCli = async (outdir: string = defaultOutdir): Promise<BuildResult> => {
  const bundle = join(outdir, "libcontainer.cjs")
  const cache = join(outdir, "libcontainer.cache")
  const executable = executableIn(outdir)
  rmSync(cache, { force: true })
  const built = await esbuild.build({
    ...common,
    entryPoints: ["src/cli/main.ts"],
    outfile: bundle,
    // CommonJS, because V8's code cache is for scripts; koffi is required relative to the bundle itself.
    format: "cjs",
    external: ["koffi"],
    define: { "import.meta.url": "__bundleUrl" },
    banner: { js: `var __bundleUrl = require("node:url").pathToFileURL(__filename).href;` }
  })
  await esbuild.build({
    ...common,
    entryPoints: ["src/cli/launcher.ts"],
    outfile: executable,
    format: "esm",
    banner: { js: launcherPrelude }
  })
  chmodSync(executable, 0o755)
  const root = mkdtempSync(join(tmpdir(), "libcontainer-build-"))
  try {
    const run = spawnSync(process.execPath, [executable, "--root", root, "list"], {
      env: { ...process.env, LIBCONTAINER_CODE_CACHE: "write" },
      encoding: "utf8"
    })
    if (run.status !== 0) throw new Error(`the built CLI failed its first run (${run.status}): ${run.stderr}`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
  const output = Object.values(built.metafile?.outputs ?? {})[0]
  const inputs = Object.entries(output?.inputs ?? {}).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path)
  return { executable, bundleBytes: statSync(bundle).size, cacheBytes: statSync(cache).size, inputs }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]

if (invokedDirectly) {
  const flag = process.argv.indexOf("--outdir")
  const result = await buildCli(flag >= 0 ? process.argv[flag + 1] : undefined)
  process.stdout.write(
    `${result.executable}: bundle ${(result.bundleBytes / 1024).toFixed(0)} KiB, code cache ${(result.cacheBytes / 1024).toFixed(0)} KiB\n`
  )
}
