/**
 * Every example under examples/ runs here: its exported `program` on the
 * layer it is written for (the simulated host, or this host in a temporary
 * root — never /run/runc), with what it prints captured. Where the docs show
 * an example's output (a ```text block marked `<!-- output: examples/x.ts -->`),
 * the output must be exactly that. The examples also run as scripts, the way
 * the docs tell readers to run them.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import { execFile } from "node:child_process"
import { readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { format, promisify } from "node:util"
import { vi } from "vitest"
import * as Errors from "../examples/errors.js"
import * as Json from "../examples/json.js"
import * as Lifecycle from "../examples/lifecycle.js"
import * as MemoryHost from "../examples/memory-host.js"
import * as NodeHost from "../examples/node-host.js"
import * as Readme from "../examples/readme.js"
import * as RunContainer from "../examples/run-container.js"
import * as WatchUsage from "../examples/watch-usage.js"
import * as Libcontainer from "../src/Libcontainer.js"
import { codeBlocks, read, repo } from "./support/docs.js"
import { busybox, cgroupV1, describeWith, root as asRoot, runc } from "./support/prerequisites.js"
import { makeBundle } from "./support/runc.js"

/** Runs `effect` with console.log captured; succeeds with the printed text. */
const printed = <E, R>(effect: Effect.Effect<unknown, E, R>): Effect.Effect<string, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const lines: Array<string> = []
      const spy = vi.spyOn(console, "log").mockImplementation((...args: ReadonlyArray<unknown>) => {
        lines.push(format(...args))
      })
      return { lines, spy }
    }),
    ({ lines }) => Effect.map(effect, () => lines.join("\n")),
    ({ spy }) => Effect.sync(() => spy.mockRestore())
  )

/** The output blocks the docs show for `file`. */
const documentedOutputs = (file: string): ReadonlyArray<{ readonly doc: string; readonly text: string }> =>
  ["README.md", ...readdirSync(join(repo, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)]
    .flatMap((doc) =>
      codeBlocks(read(doc))
        .filter((b) => b.marker?.kind === "output" && b.marker.target === file)
        .map((b) => ({ doc: `${doc}:${b.line}`, text: b.content }))
    )

interface Example {
  readonly file: string
  readonly program: Effect.Effect<unknown, unknown, never>
  /** Whether the docs must show its output (false where it prints temp paths). */
  readonly documented: boolean
  /** Whether to run it as a script too (never for one that would use /run/runc on this host). */
  readonly script: boolean
}

const onMemory = <A, E>(program: Effect.Effect<A, E, Layer.Layer.Success<typeof Libcontainer.layerMemory>>) =>
  program.pipe(Effect.provide(Libcontainer.layerMemory))

const examples: ReadonlyArray<Example> = [
  { file: "examples/readme.ts", program: onMemory(Readme.program), documented: false, script: false },
  { file: "examples/lifecycle.ts", program: onMemory(Lifecycle.program), documented: true, script: true },
  { file: "examples/errors.ts", program: onMemory(Errors.program), documented: true, script: true },
  {
    file: "examples/memory-host.ts",
    program: MemoryHost.program.pipe(Effect.provide(MemoryHost.layer)),
    documented: true,
    script: true
  },
  { file: "examples/json.ts", program: onMemory(Json.program), documented: true, script: true },
  { file: "examples/run-container.ts", program: onMemory(RunContainer.program), documented: true, script: true },
  {
    file: "examples/node-host.ts",
    program: NodeHost.program.pipe(Effect.provide(Libcontainer.layerNode)),
    documented: false,
    script: true
  },
  {
    file: "examples/watch-usage.ts",
    program: WatchUsage.program.pipe(Effect.provide(WatchUsage.layer)),
    documented: true,
    script: true
  }
]

const outputs = new Map<string, string>()

describe("examples", () => {
  it("every example file is run here", () => {
    const files = readdirSync(join(repo, "examples"))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "inspect-root.ts")
      .map((f) => `examples/${f}`)
    expect(examples.map((e) => e.file).sort()).toEqual(files.sort())
  })

  for (const example of examples) {
    it.live(`${example.file}: its program runs`, () =>
      Effect.gen(function*() {
        const text = yield* printed(example.program)
        outputs.set(example.file, text)
        const shown = documentedOutputs(example.file)
        if (example.documented) expect(shown.length, `no output block for ${example.file} in the docs`).toBeGreaterThan(0)
        for (const { doc, text: expected } of shown) expect(text, doc).toBe(expected)
      }))
  }

  it("README's program prints the status of a container it never started", () => {
    expect(outputs.get("examples/readme.ts")).toBe("stopped")
  })

  it("node-host creates, lists and removes a container in a temporary root", () => {
    expect(outputs.get("examples/node-host.ts")).toMatch(
      /^example-\d+ stopped \/\S+\/libcontainer-example-[^/]+\/example-\d+$/
    )
  })

  it("the examples run as scripts and print what their programs print", async () => {
    const run = promisify(execFile)
    const scripts = examples.filter((e) => e.script && e.documented)
    const results = await Promise.all(
      scripts.map((e) => run(process.execPath, ["--import", "tsx", e.file], { cwd: repo, encoding: "utf8" }))
    )
    for (const [i, e] of scripts.entries()) {
      expect(results[i]!.stderr, e.file).toBe("")
      expect(results[i]!.stdout, e.file).toBe(`${documentedOutputs(e.file)[0]?.text}\n`)
    }
    const node = await run(process.execPath, ["--import", "tsx", "examples/node-host.ts"], { cwd: repo, encoding: "utf8" })
    expect(node.stdout).toMatch(/^example-\d+ stopped /)
  }, 120_000)
})

describeWith([asRoot, runc, busybox, cgroupV1], "examples/run-container.ts on this host (real runc, busybox bundle)", () => {
  it.live("goes from the bundle to a running container and back, printing what the simulated host prints but the id", () =>
    Effect.gen(function*() {
      const bundle = makeBundle({ args: ["sleep", "1000"] })
      const text = yield* printed(RunContainer.onThisHost(bundle)).pipe(
        Effect.ensuring(Effect.sync(() => rmSync(bundle, { recursive: true, force: true })))
      )
      const simulated = documentedOutputs("examples/run-container.ts")[0]!.text
      expect(text).toBe(simulated.replace("hello from web", `hello from web-${process.pid}`))
    }), 60_000)
})
