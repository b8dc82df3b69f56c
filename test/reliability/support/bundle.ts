/**
 * Child-process scripts for the crash and soak tests, bundled once with
 * esbuild into one ESM file: `node <bundle>` starts in a fraction of the
 * time `tsx` needs, which is what makes hundreds of spawns affordable. The
 * bundle lives under `node_modules/.cache`, so `koffi` (left external, it is
 * a native module) resolves from the project's node_modules.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { build } from "esbuild"
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const projectRoot = fileURLToPath(new URL("../../../", import.meta.url))
const cacheDir = join(projectRoot, "node_modules", ".cache", "effect-libcontainer-reliability")

/** Bundles `entry` (a path relative to the project root) and returns the bundle's absolute path. */
export const bundleFile = async (entry: string): Promise<string> => {
  const source = join(projectRoot, entry)
  const name = entry.replace(/[^A-Za-z0-9]+/g, "-")
  const tag = createHash("sha256").update(readFileSync(source)).update(String(process.pid)).digest("hex").slice(0, 12)
  const outfile = join(cacheDir, `${name}-${tag}.mjs`)
  mkdirSync(dirname(outfile), { recursive: true })
  await build({
    entryPoints: [source],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    external: ["koffi"],
    logLevel: "silent",
    banner: { js: "import { createRequire as __elcRequire } from 'node:module'; const require = __elcRequire(import.meta.url);" }
  })
  return outfile
}

/** {@link bundleFile} as a scoped resource: the bundle is deleted when the scope closes. */
export const bundled = (entry: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => bundleFile(entry)),
    (path) => Effect.sync(() => rmSync(path, { force: true }))
  )
