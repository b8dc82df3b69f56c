/**
 * Fuzz targets for issue 9 §5: every parser of outside input — state.json,
 * config JSON, container ids, mountinfo, `/proc/<pid>/stat`, cgroup files —
 * fed random, structured and mutated inputs. The property is the same
 * everywhere: the code answers with a value or a typed failure (a tagged
 * error with a message), never a thrown exception, a defect or a hang.
 *
 * `test/fuzz/Fuzz.test.ts` runs each target a few hundred times in `npm
 * test`; `bench/fuzz.ts` runs them over 100,000 times in total.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import { readFileSync } from "node:fs"
import * as Config from "../../src/Config.js"
import * as Container from "../../src/Container.js"
import * as ContainerId from "../../src/ContainerId.js"
import { SystemError } from "../../src/ContainerError.js"
import * as Factory from "../../src/Factory.js"
import * as CgroupEnv from "../../src/internal/cgroups/env.js"
import * as CgroupFiles from "../../src/internal/cgroups/files.js"
import * as Freezer from "../../src/internal/cgroups/freezer.js"
import { makeLayout } from "../../src/internal/cgroups/layout.js"
import * as ProcCgroup from "../../src/internal/cgroups/procCgroup.js"
import * as Mountinfo from "../../src/internal/mountinfo.js"
import * as Procfs from "../../src/internal/procStat.js"
import * as WallClock from "../../src/internal/wallClock.js"
import type { FilesystemService } from "../../src/Filesystem.js"
import * as MemoryHost from "../../src/memory/MemoryHost.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import * as State from "../../src/State.js"

/** One fuzz target: a name and a runner for a number of generated inputs. */
export interface FuzzTarget {
  readonly name: string
  readonly run: (numRuns: number, seed?: number) => FastCheck.RunDetails<unknown>
}

const target = <A>(name: string, arbitrary: FastCheck.Arbitrary<A>, check: (input: A) => void): FuzzTarget => ({
  name,
  run: (numRuns, seed) =>
    FastCheck.check(FastCheck.property(arbitrary, (input) => {
      check(input)
    }), { numRuns, ...(seed === undefined ? {} : { seed }) }) as FastCheck.RunDetails<unknown>
})

/** Fails the property unless `error` is a tagged error whose tag is allowed and whose message is a string. */
const expectTyped = (error: unknown, allowed: ReadonlyArray<string>, what: string): void => {
  const tag = (error as { _tag?: unknown } | null)?._tag
  if (typeof tag !== "string" || !allowed.includes(tag)) throw new Error(`${what}: untyped failure ${String(error)}`)
  if (typeof (error as { message?: unknown }).message !== "string") throw new Error(`${what}: ${tag} without a message`)
}

/** Fails the property unless `exit` is a success or a failure of allowed tags only (no defect, no interruption). */
const expectTypedExit = (exit: Exit.Exit<unknown, unknown>, allowed: ReadonlyArray<string>, what: string): void => {
  if (Exit.isSuccess(exit)) return
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure) || Cause.isDie(exit.cause) || Cause.isInterrupted(exit.cause)) {
    throw new Error(`${what}: defect ${Cause.pretty(exit.cause)}`)
  }
  expectTyped(failure.value, allowed, what)
}

// ---------------------------------------------------------------------------
// Inputs

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8")

/** Real state.json files: the seed's and runc 1.1.5's, in every status. */
export const stateDocuments: ReadonlyArray<string> = [
  fixture("seed/load-container.json"),
  ...["created", "running", "paused", "stopped"].map((s) => fixture(`runc-1.1.5/${s}.json`))
]

const configDocuments: ReadonlyArray<string> = [
  fixture("seed/empty-config.json"),
  fixture("seed/cgroup-empty-resources.json"),
  ...stateDocuments.map((d) => JSON.stringify((JSON.parse(d) as { config: unknown }).config))
]

/** Fragments that break JSON or push Go's rules: numbers past every limit, lone surrogates, `__proto__`. */
const jsonTokens = [
  "{", "}", "[", "]", "\"", ",", ":", "null", "true", "false", "-", "0", "-0", "01", "1e400", "-1e400", "1.5",
  "9007199254740993", "18446744073709551616", "-9223372036854775809", "4294967296", "\"\\ud800\"", "\"\\u0000\"",
  "\"__proto__\"", "\"constructor\"", "\\", "\u2028", "\uffff", "\ufeff", " ", "\n", "\"\\x\"", "[[[[[[[[", "}}}}"
]

const jsonToken = FastCheck.constantFrom(...jsonTokens)

type Mutation = (doc: string) => string

const at = (doc: string, i: number) => i % (doc.length + 1)

/** One textual edit: truncate, delete a run, insert a token, replace a character, swap a number for an extreme one. */
const mutation: FastCheck.Arbitrary<Mutation> = FastCheck.oneof(
  FastCheck.nat().map((i): Mutation => (d) => d.slice(0, at(d, i))),
  FastCheck.tuple(FastCheck.nat(), FastCheck.nat({ max: 40 })).map(([i, n]): Mutation => (d) =>
    d.slice(0, at(d, i)) + d.slice(at(d, i) + n)
  ),
  FastCheck.tuple(FastCheck.nat(), jsonToken).map(([i, t]): Mutation => (d) => d.slice(0, at(d, i)) + t + d.slice(at(d, i))),
  FastCheck.tuple(FastCheck.nat(), FastCheck.integer({ min: 0, max: 0xffff })).map(([i, c]): Mutation => (d) =>
    d.slice(0, at(d, i)) + String.fromCharCode(c) + d.slice(at(d, i) + 1)
  ),
  FastCheck.tuple(FastCheck.nat(), jsonToken).map(([n, t]): Mutation => (d) => {
    let seen = 0
    return d.replace(/-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/g, (m) => (seen++ === n % 50 ? t : m))
  })
)

/** Replaces the value at a random path of a JSON document by a random JSON value. */
const replaceValue = (doc: string): FastCheck.Arbitrary<string> =>
  FastCheck.tuple(FastCheck.nat(), FastCheck.jsonValue({ maxDepth: 3 })).map(([n, value]) => {
    const root = JSON.parse(doc) as unknown
    const slots: Array<[Record<string, unknown>, string]> = []
    const walk = (v: unknown, depth: number) => {
      if (v === null || typeof v !== "object" || depth > 6) return
      for (const key of Object.keys(v)) {
        slots.push([v as Record<string, unknown>, key])
        walk((v as Record<string, unknown>)[key], depth + 1)
      }
    }
    walk(root, 0)
    const slot = slots[n % Math.max(slots.length, 1)]
    if (slot !== undefined) slot[0][slot[1]] = value
    return JSON.stringify(root)
  })

/** Documents of every kind: random text and bytes, random JSON, mutated and re-valued real documents. */
const jsonInputs = (documents: ReadonlyArray<string>): FastCheck.Arbitrary<string | Uint8Array> =>
  FastCheck.oneof(
    { arbitrary: FastCheck.string({ maxLength: 200 }), weight: 1 },
    { arbitrary: FastCheck.string({ unit: "binary", maxLength: 200 }), weight: 1 },
    { arbitrary: FastCheck.uint8Array({ maxLength: 300 }), weight: 1 },
    { arbitrary: FastCheck.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"), weight: 2 },
    {
      arbitrary: FastCheck.tuple(FastCheck.constantFrom(...documents), FastCheck.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([doc, edits]) => edits.reduce((d, edit) => edit(d), doc)),
      weight: 6
    },
    {
      arbitrary: FastCheck.constantFrom(...documents).chain(replaceValue),
      weight: 4
    },
    {
      arbitrary: FastCheck.tuple(
        FastCheck.constantFrom(...documents),
        FastCheck.array(FastCheck.tuple(FastCheck.nat(), FastCheck.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
      ).map(([doc, flips]) => {
        const bytes = new TextEncoder().encode(doc)
        for (const [i, b] of flips) bytes[i % bytes.length] = b
        return bytes
      }),
      weight: 2
    }
  )

// ---------------------------------------------------------------------------
// Targets

/** `State.decodeJson`: a State or a JsonDecodeError; what decodes encodes again and decodes to the same bytes. */
const stateJson = target("state.json: State.decodeJson", jsonInputs(stateDocuments), (input) => {
  const decoded = State.decodeJson(input)
  if (Either.isLeft(decoded)) return expectTyped(decoded.left, ["JsonDecodeError"], "State.decodeJson")
  const encoded = State.encodeJson(decoded.right)
  if (Either.isLeft(encoded)) return expectTyped(encoded.left, ["JsonEncodeError"], "State.encodeJson")
  const again = State.decodeJson(encoded.right)
  if (Either.isLeft(again)) throw new Error(`re-decoding what we wrote failed: ${again.left.message}`)
  const twice = State.encodeJson(again.right)
  if (Either.isLeft(twice) || twice.right !== encoded.right) throw new Error("encode is not stable across a round trip")
})

/** `Config.decodeJson`, the same way. */
const configJson = target("config JSON: Config.decodeJson", jsonInputs(configDocuments), (input) => {
  const decoded = Config.decodeJson(input)
  if (Either.isLeft(decoded)) return expectTyped(decoded.left, ["JsonDecodeError"], "Config.decodeJson")
  const encoded = Config.encodeJson(decoded.right)
  if (Either.isLeft(encoded)) return expectTyped(encoded.left, ["JsonEncodeError"], "Config.encodeJson")
  if (Either.isLeft(Config.decodeJson(encoded.right))) throw new Error("re-decoding a config we wrote failed")
})

/** Configs generated from the schema, encoded: they must decode again. */
const configRoundTrip = target("config JSON: generated configs round-trip", Config.arbitrary(), (config) => {
  const encoded = Config.encodeJson(config)
  if (Either.isLeft(encoded)) return expectTyped(encoded.left, ["JsonEncodeError"], "Config.encodeJson")
  const decoded = Config.decodeJson(encoded.right)
  if (Either.isLeft(decoded)) throw new Error(`a config we wrote does not decode: ${decoded.left.message}`)
})

/** One simulated host for the end-to-end targets, built once. */
let memory: ManagedRuntime.ManagedRuntime<Libcontainer.Services | MemoryHost.MemoryHost, never> | undefined
const memoryRuntime = () => (memory ??= ManagedRuntime.make(Libcontainer.layerMemory))

const loadErrors = ["ErrInvalidID", "ErrNotExist", "SystemError", "StateCorrupt", "CgroupError", "StateTransitionError", "ErrRunning"]

/** Factory.load of a state.json on the simulated host, then what `runc state` reports: typed all the way. */
const loadState = target("state.json: Factory.load + ociState (memory host)", jsonInputs(stateDocuments), (input) => {
  const runtime = memoryRuntime()
  const host = runtime.runSync(MemoryHost.MemoryHost)
  host.fs.mkdir("/run/fuzz", 0o700)
  host.fs.mkdir("/run/fuzz/x", 0o711)
  host.fs.writeFile("/run/fuzz/x/state.json", typeof input === "string" ? new TextEncoder().encode(input) : input, "truncate", 0o600)
  const exit = runtime.runSyncExit(Effect.flatMap(Factory.load("/run/fuzz", "x"), Container.ociState))
  expectTypedExit(exit, loadErrors, "Factory.load")
})

const idChars = [..."abcXYZ019_+.-", "/", ",", ":", " ", "\0", "\n", "é", "\u202e", "..", "\\"]

/** ids: `ContainerId.validate` agrees with runc's rule, and Load refuses or looks up without a defect. */
const ids = target(
  "ids: ContainerId.validate + Factory.load",
  FastCheck.oneof(
    FastCheck.string({ maxLength: 40 }),
    FastCheck.string({ unit: "grapheme", maxLength: 20 }),
    FastCheck.array(FastCheck.constantFrom(...idChars), { maxLength: 20 }).map((cs) => cs.join("")),
    FastCheck.constantFrom(".", "..", "...", "", "a".repeat(255), "a".repeat(256), "a".repeat(5000))
  ),
  (id) => {
    const valid = /^[A-Za-z0-9_+.-]+$/.test(id) && id !== "." && id !== ".."
    const result = ContainerId.validate(id)
    if (Either.isRight(result) !== valid) throw new Error(`validate(${JSON.stringify(id)}) disagrees with runc's rule`)
    if (Either.isLeft(result)) expectTyped(result.left, ["ErrInvalidID"], "ContainerId.validate")
    const exit = memoryRuntime().runSyncExit(Factory.load("/run/fuzz-ids", id))
    expectTypedExit(exit, loadErrors, "Factory.load")
    if (!valid && !(Exit.isFailure(exit) && Option.getOrUndefined(Cause.failureOption(exit.cause))?._tag === "ErrInvalidID")) {
      throw new Error(`Factory.load accepted the invalid id ${JSON.stringify(id)}`)
    }
  }
)

const mountField = FastCheck.oneof(
  FastCheck.constantFrom(
    "", "-", "0", "35", "98:0", "8:1", "/", "/mnt\\040x", "/a\\134b", "\\", "\\0", "\\12", "\\777", "rw,noatime",
    "shared:1", "master:2", "propagate_from:1", "unbindable", "cgroup", "cgroup2", "ext4", "tmpfs", "none",
    "rw,nosuid,nodev,noexec,relatime,freezer", "4294967296", "-1", "99999999999999999999"
  ),
  FastCheck.string({ maxLength: 12 })
)

const mountLine = FastCheck.oneof(
  FastCheck.array(mountField, { maxLength: 14 }).map((fields) => fields.join(" ")),
  FastCheck.tuple(
    FastCheck.array(mountField, { minLength: 6, maxLength: 6 }),
    FastCheck.array(mountField, { maxLength: 3 }),
    FastCheck.array(mountField, { minLength: 3, maxLength: 3 })
  ).map(([head, optional, tail]) => [...head, ...optional, "-", ...tail].join(" "))
)

/** mountinfo: parsed, filtered or not, into entries or a MountinfoParseError. */
const mountinfo = target(
  "mountinfo: Mountinfo.parse",
  FastCheck.tuple(
    FastCheck.oneof(
      FastCheck.array(mountLine, { maxLength: 8 }).map((lines) => lines.join("\n")),
      FastCheck.array(mountLine, { maxLength: 8 }).map((lines) => lines.join("\r\n") + "\n"),
      FastCheck.string({ unit: "binary", maxLength: 300 }),
      FastCheck.uint8Array({ maxLength: 300 })
    ),
    FastCheck.constantFrom<ReadonlyArray<Mountinfo.Filter | undefined>>(
      [undefined],
      [Mountinfo.fstypeFilter("cgroup")],
      [Mountinfo.firstOfType("cgroup2")]
    )
  ),
  ([content, [filter]]) => {
    const parsed = Mountinfo.parse(content, filter)
    if (Either.isLeft(parsed)) expectTyped(parsed.left, ["MountinfoParseError"], "Mountinfo.parse")
  }
)

const statToken = FastCheck.oneof(
  FastCheck.constantFrom("0", "1", "-1", "18446744073709551615", "18446744073709551616", "99999999999999999999999", "x", "", "(", ")", " "),
  FastCheck.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String)
)

/** `/proc/<pid>/stat`: runc's parseStat gives the name, state and start time, or a StatParseError. */
const procStat = target(
  "/proc/<pid>/stat: parseStat",
  FastCheck.oneof(
    FastCheck.tuple(
      FastCheck.string({ maxLength: 24 }),
      FastCheck.constantFrom("R", "S", "D", "Z", "X", "T", "", " "),
      FastCheck.array(statToken, { maxLength: 60 })
    ).map(([comm, state, fields]) => `1234 (${comm}) ${state} ${fields.join(" ")}`),
    FastCheck.string({ unit: "binary", maxLength: 300 }),
    FastCheck.uint8Array({ maxLength: 300 })
  ),
  (content) => {
    const parsed = Procfs.parseStat(content)
    if (Either.isLeft(parsed)) return expectTyped(parsed.left, ["StatParseError"], "parseStat")
    if (typeof parsed.right.startTime !== "bigint" || parsed.right.startTime < 0n) throw new Error("a negative start time")
  }
)

const cgroupToken = FastCheck.oneof(
  FastCheck.constantFrom(
    "0", "1", "12", "", ":", "::", "cpu,cpuacct", "name=systemd", "freezer", "/", "/user.slice", "/a/b", "THAWED",
    "FROZEN", "FREEZING", "frozen 0", "frozen 1", "populated 1", "0\n", "1\n", "-1", "2147483648", "\r", "\n", " "
  ),
  FastCheck.string({ maxLength: 12 })
)

const cgroupContent = FastCheck.oneof(
  FastCheck.array(FastCheck.array(cgroupToken, { maxLength: 4 }).map((ts) => ts.join(":")), { maxLength: 6 }).map((ls) => ls.join("\n")),
  FastCheck.array(FastCheck.array(cgroupToken, { maxLength: 3 }).map((ts) => ts.join("")), { maxLength: 6 }).map((ls) => ls.join("\n")),
  FastCheck.string({ unit: "binary", maxLength: 120 }),
  FastCheck.uint8Array({ maxLength: 120 }).map((b) => new TextDecoder().decode(b))
)

/** A clock whose sleeps end at once, so the freezer's polling loops run through in a synchronous run. */
const wallClock = Clock.make()
const instantClock: Clock.Clock = {
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => wallClock.unsafeCurrentTimeMillis(),
  currentTimeMillis: wallClock.currentTimeMillis,
  unsafeCurrentTimeNanos: () => wallClock.unsafeCurrentTimeNanos(),
  currentTimeNanos: wallClock.currentTimeNanos,
  sleep: () => Effect.void
}

/**
 * A cgroupfs whose files hold the fuzzed content on the first read and a
 * settled value afterwards (a kernel leaves FREEZING eventually).
 */
const fuzzedCgroupHost = (files: Readonly<Record<string, string>>): FilesystemService => {
  const reads = new Map<string, number>()
  const settled: Readonly<Record<string, string>> = { "freezer.state": "THAWED\n", "cgroup.events": "frozen 1\n" }
  const readFile = (path: string) =>
    Effect.suspend(() => {
      const name = path.slice(path.lastIndexOf("/") + 1)
      const count = reads.get(name) ?? 0
      reads.set(name, count + 1)
      const content = count === 0 ? files[name] : settled[name] ?? files[name]
      return content === undefined
        ? Effect.fail(new SystemError({ op: "open", path, code: "ENOENT" }))
        : Effect.succeed(new TextEncoder().encode(content))
    })
  return {
    ...MemoryHost.filesystem(MemoryHost.unsafeMake({ bare: true })),
    statfs: () => Effect.succeed(0x63677270),
    lstat: (path) => Effect.fail(new SystemError({ op: "lstat", path, code: "ENOENT" })),
    stat: (path) => Effect.fail(new SystemError({ op: "stat", path, code: "ENOENT" })),
    readLink: (path) => Effect.fail(new SystemError({ op: "readlink", path, code: "EINVAL" })),
    readDirectory: () => Effect.succeed([]),
    readDirectoryUnsorted: () => Effect.succeed([]),
    readFile,
    readFileOn: (path) => readFile(path),
    writeFile: () => Effect.void,
    writeFileOn: () => Effect.void,
    openDirectory: (path) => Effect.fail(new SystemError({ op: "open", path, code: "ENOENT" }))
  }
}

const cgroupErrors = ["CgroupError", "SystemError"]

/** cgroup files: `/proc/self/cgroup` (v1 and v2 readings), `cgroup.procs`, the v1 and v2 freezer files. */
const cgroupFiles = target(
  "cgroup files: /proc/self/cgroup, cgroup.procs, freezer",
  FastCheck.record({
    procSelf: cgroupContent,
    procs: cgroupContent,
    freezerState: cgroupContent,
    selfFreezing: cgroupContent,
    freeze: cgroupContent,
    events: cgroupContent
  }),
  (files) => {
    const v1 = ProcCgroup.parseV1(files.procSelf)
    if (Either.isLeft(v1)) expectTyped(v1.left, ["CgroupError"], "procCgroup v1")
    const v2 = ProcCgroup.parseV2(files.procSelf)
    if (Either.isLeft(v2)) expectTyped(v2.left, ["CgroupError"], "procCgroup v2")
    const host = fuzzedCgroupHost({
      "cgroup.procs": files.procs,
      "freezer.state": files.freezerState,
      "freezer.self_freezing": files.selfFreezing,
      "cgroup.freeze": files.freeze,
      "cgroup.events": files.events
    })
    const dir = "/sys/fs/cgroup/fuzz"
    const program = Effect.flatMap(CgroupEnv.make(host, makeLayout({ checkFileType: false })), (env) =>
      Effect.all([
        Effect.exit(CgroupFiles.readProcs(env, dir)),
        Effect.exit(Freezer.getStateV1(env, dir)),
        Effect.exit(Freezer.getStateV2(env, dir))
      ]))
    // the freezer's waits are host waits: on the instant clock only when told so
    const exits = Effect.runSync(WallClock.withHostClock(program).pipe(Effect.withClock(instantClock)))
    for (const exit of exits) expectTypedExit(exit, cgroupErrors, "cgroup file")
  }
)

/** Every target, with its share of the 100,000-input run of `bench/fuzz.ts`. */
export const targets: ReadonlyArray<{ readonly target: FuzzTarget; readonly benchRuns: number; readonly testRuns: number }> = [
  { target: stateJson, benchRuns: 25_000, testRuns: 150 },
  { target: loadState, benchRuns: 10_000, testRuns: 60 },
  { target: configJson, benchRuns: 15_000, testRuns: 150 },
  { target: configRoundTrip, benchRuns: 3_000, testRuns: 20 },
  { target: ids, benchRuns: 12_000, testRuns: 300 },
  { target: mountinfo, benchRuns: 15_000, testRuns: 400 },
  { target: procStat, benchRuns: 15_000, testRuns: 400 },
  { target: cgroupFiles, benchRuns: 10_000, testRuns: 200 }
]
