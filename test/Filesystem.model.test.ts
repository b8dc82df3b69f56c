/**
 * Model-based test: random sequences of Filesystem operations (and
 * SecureJoin) run on the node layer and on the memory layer side by side,
 * and every step must give both the same result or the same error.
 *
 * Both layers work under the same absolute directory M, so paths and error
 * messages compare as strings. M sits 128 directories below a temp dir T:
 * generated paths and link targets hold at most three `..` each and a
 * resolution follows at most 40 links, so nothing can climb out of T on the
 * real host, and the simulated host mirrors every directory that is
 * reachable. FS_MODEL_RUNS=<n> runs more sequences than the default 60.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import type { SystemError } from "../src/ContainerError.js"
import * as Fs from "../src/Filesystem.js"
import * as MemoryHost from "../src/memory/MemoryHost.js"
import * as NodeHost from "../src/node/NodeHost.js"
import * as SecureJoin from "../src/SecureJoin.js"

const depth = 128
const runs = Number(process.env["FS_MODEL_RUNS"] ?? 60)

interface Env {
  readonly m: string
  readonly node: Fs.FilesystemService
  readonly memory: Fs.FilesystemService
  readonly log: Array<string>
}

type Op = (fs: Fs.FilesystemService, m: string) => Effect.Effect<unknown, SystemError>

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A comparable form of a result: FileInfo without inode, device, time and directory size; bytes as text. */
const normalize = (value: unknown): unknown => {
  if (value instanceof Uint8Array) return decoder.decode(value)
  if (Array.isArray(value)) return value.map(normalize)
  if (typeof value === "object" && value !== null) {
    if ("ino" in value) {
      const info = value as Fs.FileInfo
      return {
        type: info.type,
        mode: info.mode,
        nlink: info.nlink,
        uid: info.uid,
        gid: info.gid,
        size: info.type === "Directory" ? "-" : info.size
      }
    }
    if ("_tag" in value && value._tag === "SystemError") {
      const error = value as SystemError
      return { error: { op: error.op, path: error.path, path2: error.path2, code: error.code } }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]))
  }
  return value
}

const outcome = (env: Env, fs: Fs.FilesystemService, op: Op): string => {
  const result = Effect.runSync(Effect.either(op(fs, env.m)))
  const value = result._tag === "Right" ? { ok: normalize(result.right) } : normalize(result.left)
  return JSON.stringify(value ?? null)
    .replaceAll(env.m, "M")
    .replace(/\.(\w+)\.\d+/g, ".$1.<random>")
}

/** One operation on both layers; their outcomes must be equal. */
class Step implements FastCheck.Command<Env, Env> {
  constructor(readonly label: string, readonly op: Op) {}
  check(): boolean {
    return true
  }
  run(env: Env): void {
    const real = outcome(env, env.node, this.op)
    const simulated = outcome(env, env.memory, this.op)
    env.log.push(`${this.label} -> ${real}`)
    if (simulated !== real) {
      throw new Error(`${this.label}\n  node:   ${real}\n  memory: ${simulated}\n  after:\n    ${env.log.join("\n    ")}`)
    }
  }
  toString(): string {
    return this.label
  }
}

const component = FastCheck.oneof(
  { weight: 8, arbitrary: FastCheck.constantFrom("a", "b", "c") },
  { weight: 1, arbitrary: FastCheck.constant(".") },
  { weight: 2, arbitrary: FastCheck.constant("..") }
)
const relative = FastCheck.tuple(
  FastCheck.array(component, { minLength: 1, maxLength: 3 }),
  FastCheck.oneof({ weight: 5, arbitrary: FastCheck.constant("") }, { weight: 1, arbitrary: FastCheck.constant("/") })
).map(([parts, slash]) => parts.join("/") + slash)
/** A path below M, as text to prefix with M at run time. */
const path = relative
/** A symlink target: relative, or absolute under M (`@` marks it). */
const target = FastCheck.oneof(relative, relative.map((r) => `@${r}`))
const content = FastCheck.constantFrom("", "x", "hello world")
const mode = FastCheck.constantFrom(0o755, 0o700, 0o644, 0o2775, 0o1777)
const flag = FastCheck.constantFrom<Fs.WriteFlag>("truncate", "exclusive", "existing")

const at = (m: string, p: string) => `${m}/${p}`
const targetAt = (m: string, t: string) => (t.startsWith("@") ? `${m}/${t.slice(1)}` : t)

const commands = [
  FastCheck.tuple(path, mode).map(([p, md]) =>
    new Step(`mkdir ${p} ${md.toString(8)}`, (fs, m) => fs.makeDirectory(at(m, p), md))
  ),
  path.map((p) => new Step(`mkdirAll ${p}`, (fs, m) => fs.makeDirectoryAll(at(m, p), 0o755))),
  FastCheck.tuple(path, content, flag).map(([p, c, f]) =>
    new Step(`write ${p} ${JSON.stringify(c)} ${f}`, (fs, m) => fs.writeFile(at(m, p), encoder.encode(c), { flag: f }))
  ),
  FastCheck.tuple(path, FastCheck.constantFrom("a", "b", "state.json"), content).map(([d, n, c]) =>
    new Step(`writeAtomic ${d} ${n}`, (fs, m) => fs.writeFileAtomic(at(m, d), n, encoder.encode(c)))
  ),
  FastCheck.tuple(target, path).map(([t, p]) =>
    new Step(`symlink ${t} ${p}`, (fs, m) => fs.symlink(targetAt(m, t), at(m, p)))
  ),
  FastCheck.tuple(path, path).map(([a, b]) => new Step(`rename ${a} ${b}`, (fs, m) => fs.rename(at(m, a), at(m, b)))),
  path.map((p) => new Step(`remove ${p}`, (fs, m) => fs.remove(at(m, p)))),
  path.map((p) => new Step(`removeAll ${p}`, (fs, m) => fs.removeAll(at(m, p)))),
  path.map((p) => new Step(`mkfifo ${p}`, (fs, m) => fs.makeFifo(at(m, p), 0o644))),
  FastCheck.tuple(path, mode).map(([p, md]) =>
    new Step(`chmod ${p} ${md.toString(8)}`, (fs, m) => fs.chmod(at(m, p), md))
  ),
  path.map((p) => new Step(`lstat ${p}`, (fs, m) => fs.lstat(at(m, p)))),
  path.map((p) => new Step(`stat ${p}`, (fs, m) => fs.stat(at(m, p)))),
  path.map((p) => new Step(`readlink ${p}`, (fs, m) => fs.readLink(at(m, p)))),
  path.map((p) => new Step(`readdir ${p}`, (fs, m) => fs.readDirectory(at(m, p)))),
  path.map((p) => new Step(`readFile ${p}`, (fs, m) => fs.readFile(at(m, p)))),
  FastCheck.tuple(FastCheck.constantFrom("", "a", "c"), target).map(([r, u]) =>
    new Step(`secureJoin ${r} ${u}`, (fs, m) =>
      Effect.provideService(SecureJoin.secureJoin(r === "" ? m : at(m, r), targetAt("", u)), Fs.Filesystem, fs))
  ),
  FastCheck.tuple(FastCheck.constantFrom("", "a", "c"), target, FastCheck.boolean()).map(([r, u, regular]) =>
    new Step(`readFileInRoot ${r} ${u} ${regular}`, (fs, m) =>
      fs.readFileInRoot(r === "" ? m : at(m, r), targetAt("", u), { regularOnly: regular }))
  )
]

const setup = (): Env & { readonly cleanup: () => void } => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "fs-model-")))
  const m = `${base}${"/n".repeat(depth)}`
  mkdirSync(m, { recursive: true })
  const host = MemoryHost.unsafeMake({ umask: process.umask() })
  const memory = MemoryHost.filesystem(host)
  Effect.runSync(memory.makeDirectoryAll(m, 0o755))
  const node = Effect.runSync(Effect.provide(Fs.Filesystem, NodeHost.layerFilesystem))
  for (const fs of [node, memory]) {
    Effect.runSync(Effect.gen(function*() {
      yield* fs.makeDirectory(`${m}/a`, 0o755)
      yield* fs.writeFile(`${m}/a/b`, encoder.encode("inner"))
      yield* fs.writeFile(`${m}/b`, encoder.encode("top"))
      yield* fs.symlink("a", `${m}/c`)
    }))
  }
  return { m, node, memory, log: [], cleanup: () => rmSync(base, { recursive: true, force: true }) }
}

describe("Filesystem model: node and memory layers agree step by step", () => {
  it("on random operation sequences", async () => {
    await FastCheck.assert(
      FastCheck.asyncProperty(FastCheck.commands(commands, { maxCommands: 60 }), async (steps) => {
        const env = setup()
        try {
          FastCheck.modelRun(() => ({ model: env, real: env }), steps)
        } finally {
          env.cleanup()
        }
        await new Promise((resolve) => setImmediate(resolve))
      }),
      { numRuns: runs }
    )
  }, Math.max(60_000, runs * 500))

  it("the comparison sees a difference when one exists", () => {
    const env = setup()
    try {
      Effect.runSync(env.memory.writeFile(`${env.m}/only-in-memory`, encoder.encode("x")))
      expect(() => new Step("lstat only-in-memory", (fs, m) => fs.lstat(`${m}/only-in-memory`)).run(env)).toThrow()
    } finally {
      env.cleanup()
    }
  })
})
