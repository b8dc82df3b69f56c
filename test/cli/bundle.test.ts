/**
 * The installed CLI carries this host's adapters and none of the simulated
 * host: what esbuild's metafile says went into `bin/libcontainer.cjs`, as
 * `scripts/build-cli.ts` builds it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { buildCli, type BuildResult } from "../../scripts/build-cli.js"

describe("the CLI bundle", () => {
  const outdir = join(import.meta.dirname, "../../node_modules/.cache/effect-libcontainer", `cli-bundle-${process.pid}`)
  let built: BuildResult

  beforeAll(async () => {
    built = await buildCli(outdir)
  }, 120_000)

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true })
  })

  it("contains no simulator code: nothing of src/memory/", () => {
    expect(built.inputs.filter((path) => path.startsWith("src/memory/"))).toEqual([])
  })

  it("contains the CLI, the ports and this host's adapters", () => {
    for (const path of ["src/cli/app.ts", "src/Factory.ts", "src/Filesystem.ts", "src/node/NodeFilesystem.ts", "src/node/spawn.ts"]) {
      expect(built.inputs, path).toContain(path)
    }
  })
})
