/**
 * The `libcontainer` CLI as the whole-process benchmarks run it: the esbuild
 * bundle `bin/libcontainer.cjs`, rebuilt from the current source first (so the
 * figures are those of the code in the tree), or — when the build fails —
 * the source through tsx, which the results then say.
 */
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { buildCli } from "../../scripts/build-cli.js"
import type { Command } from "./measure.js"

const projectRoot = join(import.meta.dirname, "..", "..")

/** How our CLI is run. */
export interface OurCli {
  /** `bundle` (bin/libcontainer.cjs as installed: its shell prelude, node flags and all) or `tsx` (the fallback: npx tsx src/cli/main.ts). */
  readonly kind: "bundle" | "tsx"
  /** The command for `libcontainer <args…>`. */
  readonly command: (args: ReadonlyArray<string>) => Command
}

/** Rebuilds the bundle (as `npm run build:cli` does) and runs that; falls back to tsx, with a warning, when the build fails. */
export const ourCli: Effect.Effect<OurCli> = Effect.tryPromise(() => buildCli()).pipe(
  Effect.map(({ executable }): OurCli => ({
    kind: "bundle",
    command: (args) => ({ file: executable, args })
  })),
  Effect.catchAll((error) =>
    Effect.as(
      Effect.logWarning(`could not build bin/libcontainer.cjs (${String(error)}); running the source through tsx`),
      {
        kind: "tsx",
        command: (args) => ({
          file: join(projectRoot, "node_modules", ".bin", "tsx"),
          args: [join(projectRoot, "src", "cli", "main.ts"), ...args]
        })
      } satisfies OurCli
    )
  )
)
