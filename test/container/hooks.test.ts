/**
 * Poststop hooks, run by `destroy` through the Processes port on both
 * hosts: on this machine real executables in a temp dir, on the simulated
 * host simulated programs — one that succeeds (and must have read the OCI
 * state, marshalled as Go's `json.Marshal` writes it), one that fails with
 * output, one that cannot be started, one that runs past its timeout and is
 * killed. Each failure has runc's text and a tag to catch.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as CgroupManager from "../../src/CgroupManager.js"
import * as Config from "../../src/Config.js"
import * as Container from "../../src/Container.js"
import * as ContainerError from "../../src/ContainerError.js"
import * as Factory from "../../src/Factory.js"
import { Filesystem } from "../../src/Filesystem.js"
import * as IntelRdt from "../../src/IntelRdt.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"

/** One test's state root and hook programs (`ok`, `fail`, `hang` in `bin`), and what they left behind. */
interface Fixture {
  readonly root: string
  readonly bin: string
  /** What `ok` read on its stdin, if it ran. */
  readonly seen: () => string | undefined
  /** Whether the `hang` process still lives. */
  readonly hangAlive: () => boolean
}

interface HookHost {
  readonly name: string
  readonly layer: Layer.Layer<Libcontainer.Services>
  readonly fixture: Effect.Effect<Fixture, never, Scope.Scope | Filesystem>
}

/** Real shell scripts in a fresh temp dir, removed afterwards. */
const nodeFixture: HookHost["fixture"] = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = mkdtempSync(join(tmpdir(), "elc-hooks-"))
    const bin = join(dir, "bin")
    mkdirSync(bin)
    const script = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
      chmodSync(join(bin, name), 0o755)
    }
    script("ok", `cat > ${dir}/seen`)
    script("fail", "echo to stdout; echo to stderr >&2; exit 3")
    script("hang", `echo $$ > ${dir}/hang.pid; exec sleep 60`)
    const fixture: Fixture & { readonly dir: string } = {
      dir,
      root: join(dir, "root"),
      bin,
      seen: () => (existsSync(join(dir, "seen")) ? readFileSync(join(dir, "seen"), "utf8") : undefined),
      hangAlive: () => {
        const pid = readFileSync(join(dir, "hang.pid"), "utf8").trim()
        return existsSync(`/proc/${pid}/stat`) && !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"))
      }
    }
    return fixture
  }),
  ({ dir }) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** The simulated host the memory suite runs on; each test installs its programs under a fresh directory. */
const simulatedHost = MemoryHost.unsafeMake()
let installs = 0
const memoryFixture: HookHost["fixture"] = Effect.gen(function*() {
  const host = yield* MemoryHost.MemoryHost
  const bin = `/opt/hooks-${++installs}`
  let seen: string | undefined
  let hangPid: number | undefined
  const install = (name: string, program: MemoryHost.Program) => Effect.orDie(host.programs.install(`${bin}/${name}`, program))
  yield* install("ok", (p) =>
    Effect.sync(() => {
      seen = new TextDecoder().decode(p.stdin)
      return 0
    }))
  yield* install("fail", (p) =>
    Effect.sync(() => {
      p.stdout("to stdout\n")
      p.stderr("to stderr\n")
      return 3
    }))
  yield* install("hang", (p) => Effect.zipRight(Effect.sync(() => void (hangPid = p.pid)), Effect.never))
  return {
    root: `/run/hooks-${installs}`,
    bin,
    seen: () => seen,
    hangAlive: () => hangPid !== undefined && Option.isSome(host.processes.get(hangPid))
  }
}).pipe(Effect.provideService(MemoryHost.MemoryHost, simulatedHost))

const hosts: ReadonlyArray<HookHost> = [
  { name: "node (real executables)", layer: Libcontainer.layerNode, fixture: nodeFixture },
  {
    name: "memory (simulated programs)",
    layer: Layer.merge(CgroupManager.layer, IntelRdt.layer).pipe(Layer.provideMerge(MemoryHost.layerFrom(simulatedHost))),
    fixture: memoryFixture
  }
]

/** A container whose config has the given poststop hooks, annotations with characters Go escapes. */
const withHooks = (root: string, id: string, poststop: ReadonlyArray<Partial<Config.CommandHook> & { readonly path: string }>) =>
  Factory.create(root, id, Config.make({
    rootfs: "/",
    namespaces: [{ type: "NEWPID", path: "" }],
    cgroups: Config.makeCgroup({ path: `/elc-hooks-${process.pid}-${id}`, Resources: Config.makeResources() }),
    labels: ["b=2", "a=<&>", `bundle=/bundles/${id}`],
    Hooks: {
      poststop: poststop.map((hook) => ({ args: null, env: null, dir: "", timeout: null, ...hook }))
    }
  }))

for (const host of hosts) {
  describe(`poststop hooks on ${host.name}`, () => {
    const run = <A, E>(body: (f: Fixture) => Effect.Effect<A, E, Libcontainer.Services | Scope.Scope>) =>
      Effect.scoped(Effect.flatMap(host.fixture, body)).pipe(Effect.provide(host.layer))

    it.live("a hook that succeeds reads runc's OCI state on stdin; destroy succeeds", () =>
      run((f) =>
        Effect.gen(function*() {
          const c = yield* withHooks(f.root, "ok", [{ path: `${f.bin}/ok`, args: ["ok", "--flag"] }])
          yield* Container.destroy(c)
          expect(f.seen()).toBe(
            "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"ok\",\"status\":\"stopped\",\"bundle\":\"/bundles/ok\"," +
              "\"annotations\":{\"a\":\"\\u003c\\u0026\\u003e\",\"b\":\"2\"}}"
          )
          const fs = yield* Filesystem
          expect((yield* Effect.flip(fs.stat(`${f.root}/ok`))).code).toBe("ENOENT")
        })))

    it.live("a hook that fails: HookFailed with its status and output, after the state dir is gone", () =>
      run((f) =>
        Effect.gen(function*() {
          const c = yield* withHooks(f.root, "fail", [{ path: `${f.bin}/fail` }, { path: `${f.bin}/ok` }])
          const error = yield* Effect.flip(Container.destroy(c))
          expect(error._tag).toBe("HookFailed")
          expect(error.message).toBe(
            "unable to destroy container: error running poststop hook #0: exit status 3, stdout: to stdout\n, stderr: to stderr\n"
          )
          expect(ContainerError.contextOf(error)).toEqual(["unable to destroy container"])
          const caught = yield* Container.destroy(c).pipe(
            Effect.as("destroyed"),
            Effect.catchTag("HookFailed", (e) => Effect.succeed(`${e.name} #${e.index}: ${e.cause._tag}`))
          )
          expect(caught).toBe("poststop #0: HookExited")
          expect(f.seen()).toBeUndefined()
          expect(yield* Container.lastStatus(c)).toBe("stopped")
        })))

    it.live("a hook that cannot be started: Go's fork/exec error", () =>
      run((f) =>
        Effect.gen(function*() {
          const c = yield* withHooks(f.root, "missing", [{ path: `${f.bin}/missing` }])
          const error = yield* Effect.flip(Container.destroy(c))
          expect(error.message).toBe(
            `unable to destroy container: error running poststop hook #0: fork/exec ${f.bin}/missing: no such file or directory`
          )
        })))

    it.live("a hook past its timeout is killed: `hook ran past specified timeout of 0.3s`", () =>
      run((f) =>
        Effect.gen(function*() {
          const c = yield* withHooks(f.root, "hang", [{ path: `${f.bin}/hang`, timeout: 300_000_000n }])
          const error = yield* Effect.flip(Container.destroy(c))
          expect(error._tag).toBe("HookFailed")
          expect(error.message).toBe("unable to destroy container: error running poststop hook #0: hook ran past specified timeout of 0.3s")
          expect(error._tag === "HookFailed" && error.cause._tag).toBe("HookTimedOut")
          expect(f.hangAlive()).toBe(false)
        })))
  })
}
