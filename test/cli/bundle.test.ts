/**
 * The installed CLI as `scripts/build-cli.ts` builds it. What went into the
 * program (esbuild's metafile): this host's adapters and none of the
 * simulated host. How it starts: a CommonJS launcher, so Node's ESM loader
 * never runs; on an empty root, no builtin module beyond what `node -e 0`
 * loads but the few it needs (each run records `process.moduleLoadList`
 * through a `--require`d probe); without parsing `NODE_EXTRA_CA_CERTS`,
 * which it puts back for what it runs; and a code cache used only with
 * exactly the bundle it was made from.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildCli, type BuildResult, executableIn } from "../../scripts/build-cli.js"

const projectRoot = join(import.meta.dirname, "../..")
// under node_modules, so the bundles resolve koffi as installed ones do
const cacheRoot = join(projectRoot, "node_modules/.cache/effect-libcontainer")

/**
 * Builtins beyond `node -e 0`'s that an empty-root start may load: `vm`, for
 * the launcher's code cache; `os` and `process`, which the node adapters
 * (`node/libc.ts`: `endianness`, `arch`) and `internal/errno.ts` import.
 */
const allowedAtStart: ReadonlyArray<string> = ["NativeModule vm", "Internal Binding os", "NativeModule os", "NativeModule process"]

/** Builtins no `list` or `state` may load: they are for `ps`'s child, hashing, streams and sockets. */
const neverForListOrState: ReadonlyArray<string> = [
  "NativeModule crypto",
  "NativeModule child_process",
  "NativeModule stream",
  "NativeModule net",
  "NativeModule internal/fs/promises"
]

const tableHeader = "ID          PID         STATUS      BUNDLE      CREATED     OWNER\n"

describe("the CLI bundle", () => {
  const outdir = join(cacheRoot, `cli-bundle-${process.pid}`)
  const work = mkdtempSync(join(tmpdir(), "elc-cli-bundle-"))
  const probe = join(work, "probe.cjs")
  const emptyRoot = join(work, "empty")
  const root = join(work, "root")
  let built: BuildResult

  beforeAll(async () => {
    built = await buildCli(outdir)
    writeFileSync(
      probe,
      `process.on("exit", () => require("node:fs").writeFileSync(process.env.PROBE_OUT, JSON.stringify(process.moduleLoadList)))\n`
    )
    mkdirSync(emptyRoot)
    mkdirSync(join(root, "old"), { recursive: true, mode: 0o711 })
    writeFileSync(join(root, "old", "state.json"), readFileSync(join(projectRoot, "test/fixtures/runc-1.1.5/stopped.json")))
  }, 120_000)

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
  })

  /** Runs `file args…` with the probe: its output, status and `process.moduleLoadList`. */
  const probed = (file: string, args: ReadonlyArray<string>) => {
    const out = join(work, "loaded.json")
    rmSync(out, { force: true })
    const r = spawnSync(file, [...args], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, PROBE_OUT: out }
    })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded: JSON.parse(readFileSync(out, "utf8")) as Array<string> }
  }

  /** What a run of the executable loads beyond `node -e 0` (its exit status checked: 0, or 1 for a failure expected). */
  const addedBy = (args: ReadonlyArray<string>, status = 0): ReadonlyArray<string> => {
    const floor = new Set(probed(process.execPath, ["-e", "0"]).loaded)
    const run = probed(executableIn(outdir), args)
    expect(run.status, run.stderr).toBe(status)
    return run.loaded.filter((name) => !floor.has(name))
  }

  it("contains no simulator code: nothing of src/memory/", () => {
    expect(built.inputs.filter((path) => path.startsWith("src/memory/"))).toEqual([])
  })

  it("contains the CLI, the ports and this host's adapters", () => {
    for (const path of ["src/cli/app.ts", "src/Factory.ts", "src/Filesystem.ts", "src/node/NodeFilesystem.ts", "src/node/spawn.ts"]) {
      expect(built.inputs, path).toContain(path)
    }
  })

  it("is a CommonJS executable, the package's bin: Node's ESM loader never runs", () => {
    const manifest = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { bin: Record<string, string> }
    expect(join(projectRoot, manifest.bin["libcontainer"]!)).toBe(executableIn(join(projectRoot, "bin")))
    expect(built.executable).toMatch(/\.cjs$/)
    for (const args of [["--version"], ["--root", emptyRoot, "list"]]) {
      expect(addedBy(args).filter((name) => name.includes("modules/esm/")), args.join(" ")).toEqual([])
    }
  })

  it("an empty root's list, and --version, load no builtin beyond node -e 0's but vm, os and process", () => {
    for (const args of [["--root", emptyRoot, "list", "--format", "json"], ["--root", emptyRoot, "list"], ["--version"]]) {
      expect(addedBy(args).filter((name) => !allowedAtStart.includes(name)), args.join(" ")).toEqual([])
    }
  })

  it("starts node without NODE_EXTRA_CA_CERTS, and puts it back in the environment it runs programs with", () => {
    const envProbe = join(work, "env-probe.cjs")
    writeFileSync(
      envProbe,
      `process.on("exit", () => require("node:fs").writeFileSync(process.env.PROBE_OUT, JSON.stringify({ ` +
        `extra: process.env.NODE_EXTRA_CA_CERTS, aside: process.env.LIBCONTAINER_NODE_EXTRA_CA_CERTS })))\n`
    )
    const out = join(work, "env.json")
    const run = (env: Record<string, string | undefined>) => {
      rmSync(out, { force: true })
      const r = spawnSync(executableIn(outdir), ["--root", emptyRoot, "list"], {
        encoding: "utf8",
        env: { ...env, NODE_OPTIONS: `--require ${envProbe}`, PROBE_OUT: out }
      })
      return { status: r.status, stderr: r.stderr, seen: JSON.parse(readFileSync(out, "utf8")) as unknown }
    }
    const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env
    // node parses the file as it starts, and warns when it cannot: the CLI's node never sees it
    const missing = join(work, "no-such-ca.pem")
    const plain = spawnSync(process.execPath, ["-e", "0"], { encoding: "utf8", env: { ...without, NODE_EXTRA_CA_CERTS: missing } })
    expect(plain.stderr).toContain("Ignoring extra certs")
    for (const value of [missing, "", `a b$c'"d\\e`]) {
      expect(run({ ...without, NODE_EXTRA_CA_CERTS: value }), value).toEqual({ status: 0, stderr: "", seen: { extra: value } })
    }
    // unset stays unset, even with a stale set-aside variable in the caller's environment
    expect(run({ ...without, LIBCONTAINER_NODE_EXTRA_CA_CERTS: "stale" })).toEqual({ status: 0, stderr: "", seen: {} })
  })

  it("list and state of a container, and state and ps of none, load no crypto, child_process, streams or sockets", () => {
    for (
      const args of [
        ["--root", root, "list"],
        ["--root", root, "list", "--format", "json"],
        ["--root", root, "state", "old"],
        ["--root", root, "state", "nope"],
        ["--root", root, "ps", "nope"]
      ]
    ) {
      const added = addedBy(args, args.includes("nope") ? 1 : 0)
      expect(added.filter((name) => neverForListOrState.includes(name)), args.join(" ")).toEqual([])
    }
  })

  describe("the code cache", () => {
    /** A copy of the built executable and bundles whose program has `CREATED` in its table header changed to `XREATED`. */
    const changedCopy = (name: string): { readonly dir: string; readonly changed: Buffer } => {
      const dir = join(cacheRoot, `cli-bundle-${process.pid}-${name}`)
      rmSync(dir, { recursive: true, force: true })
      cpSync(outdir, dir, { recursive: true })
      const program = join(dir, "libcontainer-main.cjs")
      const bytes = readFileSync(program)
      const at = bytes.indexOf("\tCREATED\t")
      expect(at).toBeGreaterThan(0)
      bytes.write("X", at + 1, "latin1")
      writeFileSync(program, bytes)
      return { dir, changed: bytes }
    }

    const listEmpty = (dir: string) => spawnSync(executableIn(dir), ["--root", emptyRoot, "list"], { encoding: "utf8" })

    it("is refused when made from another bundle of the same length: the changed program runs", () => {
      const { dir } = changedCopy("changed")
      try {
        expect(listEmpty(dir)).toMatchObject({ status: 0, stdout: tableHeader.replace("CREATED", "XREATED"), stderr: "" })
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it("is used when it holds exactly the bundle: V8 checks only its length, so a forged header runs the code it was made from", () => {
      // the check above is what stands between a changed bundle and the old code
      const { dir, changed } = changedCopy("forged")
      try {
        const cacheFile = join(dir, "libcontainer-main.cache")
        const cache = readFileSync(cacheFile)
        changed.copy(cache, 4)
        writeFileSync(cacheFile, cache)
        expect(listEmpty(dir)).toMatchObject({ status: 0, stdout: tableHeader, stderr: "" })
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it("is never required: a missing, truncated or corrupt cache, and the CLI compiles as usual", () => {
      const dir = join(cacheRoot, `cli-bundle-${process.pid}-broken`)
      rmSync(dir, { recursive: true, force: true })
      cpSync(outdir, dir, { recursive: true })
      try {
        const cacheFile = join(dir, "libcontainer-main.cache")
        const cache = readFileSync(cacheFile)
        const programBytes = readFileSync(join(dir, "libcontainer-main.cjs")).length
        const corrupt = Buffer.from(cache)
        corrupt.fill(0x5a, 4 + programBytes)
        for (
          const [what, content] of [
            ["truncated", cache.subarray(0, 100)],
            ["the bundle without V8's data", cache.subarray(0, 4 + programBytes)],
            ["V8's data corrupt", corrupt],
            ["missing", undefined]
          ] as const
        ) {
          if (content === undefined) rmSync(cacheFile)
          else writeFileSync(cacheFile, content)
          expect(listEmpty(dir), what).toMatchObject({ status: 0, stdout: tableHeader, stderr: "" })
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
})
