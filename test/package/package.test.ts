/**
 * The package as a user gets it: this checkout is packed (`npm pack`, which
 * builds dist/ and the CLI through `prepare`, in a copy so the checkout is
 * untouched) and installed into a fresh app next to the app's own Effect.
 * The app must have one copy of `effect`, none of the CLI's build tools,
 * import the public API from ESM and run it, be refused the internal
 * modules, typecheck a strict program against the installed declarations,
 * and run the installed `libcontainer`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { execFileSync, spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

const repo = join(import.meta.dirname, "../..")
const effectVersion = "3.22.4"

const run = (file: string, args: ReadonlyArray<string>, cwd: string) => {
  const r = spawnSync(file, [...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 240_000 })
  if (r.status !== 0) throw new Error(`${file} ${args.join(" ")} (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

/** Every `package.json` under `node_modules` (nested too) whose name is `name`. */
const copiesOf = (app: string, name: string): Array<string> => {
  const found: Array<string> = []
  const walk = (modules: string) => {
    if (!existsSync(modules)) return
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith(".")) continue
      const dirs = entry.startsWith("@") ? readdirSync(join(modules, entry)).map((e) => join(modules, entry, e)) : [join(modules, entry)]
      for (const dir of dirs) {
        const manifest = join(dir, "package.json")
        if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === name) found.push(dir)
        walk(join(dir, "node_modules"))
      }
    }
  }
  walk(join(app, "node_modules"))
  return found
}

describe("the packed package, installed in a fresh app", () => {
  const work = mkdtempSync(join(tmpdir(), "elc-package-"))
  const source = join(work, "source")
  const app = join(work, "app")
  let packed: { filename: string; files: Array<{ path: string }> }

  beforeAll(() => {
    // a copy of the checkout (tracked and new files, not ignored ones), with this checkout's node_modules
    const files = execFileSync("git", ["ls-files", "-z", "-co", "--exclude-standard"], { cwd: repo, encoding: "utf8" })
      .split("\0")
      .filter((f) => f !== "" && existsSync(join(repo, f)))
    for (const file of files) {
      mkdirSync(dirname(join(source, file)), { recursive: true })
      copyFileSync(join(repo, file), join(source, file))
    }
    symlinkSync(join(repo, "node_modules"), join(source, "node_modules"))
    // `prepare` builds dist/ and bin/ here; its own output comes before npm's JSON
    const output = run("npm", ["pack", "--json", "--pack-destination", work], source)
    packed = (JSON.parse(output.slice(output.indexOf("[\n  {"))) as Array<typeof packed>)[0]!
    mkdirSync(app)
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({
        name: "app",
        private: true,
        type: "module",
        dependencies: { effect: effectVersion, "effect-libcontainer": `file:${join(work, packed.filename)}` }
      })
    )
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], app)
  }, 300_000)

  afterAll(() => {
    rmSync(work, { recursive: true, force: true })
  })

  it("holds dist (JS, declarations, maps), the bundled CLI, README and LICENSE; no CLI sources, no tests", () => {
    const paths = packed.files.map((f) => f.path)
    for (
      const expected of [
        "package.json",
        "README.md",
        "LICENSE",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/index.js.map",
        "dist/index.d.ts.map",
        "dist/Factory.d.ts",
        "bin/libcontainer.cjs",
        "bin/libcontainer-main.cjs",
        "bin/libcontainer-main.cache",
        "bin/libcontainer-app.cjs",
        "bin/libcontainer-app.cache",
        "src/Factory.ts"
      ]
    ) expect(paths, expected).toContain(expected)
    expect(paths.filter((p) => /^(test|bench|scripts|examples|docs|node_modules)\/|^src\/cli\/|^dist\/cli\//.test(p))).toEqual([])
    expect(readFileSync(join(repo, "LICENSE"), "utf8")).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/)
  })

  it("leaves one copy of effect in the app, and none of the CLI's build or parsing packages", () => {
    expect(copiesOf(app, "effect").map((dir) => dir.slice(app.length))).toEqual(["/node_modules/effect"])
    expect((JSON.parse(readFileSync(join(app, "node_modules/effect/package.json"), "utf8")) as { version: string }).version)
      .toBe(effectVersion)
    for (const name of ["@effect/cli", "@effect/platform", "@effect/platform-node", "esbuild", "typescript"]) {
      expect(copiesOf(app, name), name).toEqual([])
    }
  })

  it("runs the public API from ESM on the simulated host, and refuses internal modules", () => {
    const script = `
      import * as Effect from "effect/Effect"
      import * as Stream from "effect/Stream"
      import { Config, Container, Factory, Libcontainer } from "effect-libcontainer"
      import * as MemoryHost from "effect-libcontainer/MemoryHost"
      import * as Signal from "effect-libcontainer/Signal"
      const program = Effect.gen(function*() {
        const config = Config.make({ rootfs: "/", cgroups: Config.makeCgroup({ path: "/app", Resources: Config.makeResources() }), labels: ["bundle=/b"] })
        yield* Container.saveState(yield* Factory.create("/run/runc", "app", config))
        const loaded = yield* Factory.load("/run/runc", "app")
        const listed = yield* Stream.runCollect(Factory.list("/run/runc"))
        const host = yield* MemoryHost.MemoryHost
        return {
          status: yield* Container.status(loaded),
          listed: [...listed].map((e) => e.id),
          term: Signal.SIGTERM,
          cgroup: host.cgroups.exists("/sys/fs/cgroup/app")
        }
      })
      const result = await Effect.runPromise(program.pipe(Effect.provide(Libcontainer.layerMemory)))
      const refused = []
      for (const path of ["internal/json/GoJson", "internal/json/GoJson.js", "cli/main", "dist/index.js", "src/Factory.ts", "memory/MemoryFs", "node/libc", "container/model"]) {
        await import("effect-libcontainer/" + path).then(() => refused.push(path + ": loaded"), (e) => refused.push(e.code))
      }
      console.log(JSON.stringify({ ...result, refused }))
    `
    writeFileSync(join(app, "main.mjs"), script)
    const output = JSON.parse(run(process.execPath, ["main.mjs"], app)) as Record<string, unknown>
    expect(output).toEqual({
      status: "stopped",
      listed: ["app"],
      term: 15,
      cgroup: false,
      refused: Array(8).fill("ERR_PACKAGE_PATH_NOT_EXPORTED")
    })
  })

  it("typechecks a strict program against the installed declarations, with none of the implementation's types", () => {
    writeFileSync(
      join(app, "program.ts"),
      `import * as Effect from "effect/Effect"
import { Config, Container, ContainerError, Factory, Libcontainer, Signal } from "effect-libcontainer"
import * as NodeHost from "effect-libcontainer/NodeHost"
import type { Container as ContainerType } from "effect-libcontainer/Container"

export const program: Effect.Effect<string, Factory.LoadError | Container.SignalError | Container.RefreshError> =
  Effect.gen(function*() {
    const config: Config.Config = Config.make({ rootfs: "/", labels: [] })
    yield* Effect.ignore(Factory.create("/run/runc", "x", config))
    const loaded: ContainerType = yield* Factory.load("/run/runc", "x")
    yield* Container.signal(loaded, Signal.SIGTERM)
    return yield* Container.status(loaded)
  }).pipe(
    Effect.catchTag("ErrNotRunning", () => Effect.succeed("stopped")),
    Effect.catchTag("SignalInitFailed", (e) => Effect.succeed(ContainerError.ownMessage(e))),
    Effect.provide(Libcontainer.layerMemory)
  )

export const filesystemOnly = NodeHost.layerFilesystem
`
    )
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [join(repo, "node_modules/@types")]
        },
        files: ["program.ts"]
      })
    )
    run(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", "."], app)
    const declarations = readdirSync(join(app, "node_modules/effect-libcontainer/dist"), { recursive: true })
      .filter((f) => String(f).endsWith(".d.ts") && !String(f).startsWith("internal"))
      .map((f) => readFileSync(join(app, "node_modules/effect-libcontainer/dist", String(f)), "utf8"))
      .join("\n")
    for (const name of ["initAlive", "moveTo", "ociStateOf", "hookState", "stateTempPrefix", "thawAfterKill", "hasPrivatePidNamespace"]) {
      expect(declarations, name).not.toMatch(new RegExp(`\\b${name}\\b`))
    }
  })

  it("installs a working `libcontainer`: version, plain help through a pipe, list", () => {
    const bin = join(app, "node_modules/.bin/libcontainer")
    expect(run(bin, ["--version"], app)).toMatch(/^libcontainer version 0\.1\.0\nrunc: 1\.1\.5\nspec: 1\.0\.2-dev\nnode: v\d+/)
    const help = run("sh", ["-c", `"${bin}" --help | cat`], app)
    expect(help).toMatch(/^NAME:\n {3}libcontainer - /)
    expect(help).not.toContain("\u001b")
    const root = join(work, "root")
    mkdirSync(root)
    expect(run(bin, ["--root", root, "list"], app)).toBe("ID          PID         STATUS      BUNDLE      CREATED     OWNER\n")
  })
})
