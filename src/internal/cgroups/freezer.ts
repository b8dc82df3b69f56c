/**
 * The freezer protocols (runc's `libcontainer/cgroups/fs/freezer.go` and
 * `fs2/freezer.go`): v1's `freezer.state` (with
 * `freezer.self_freezing` to tell a cgroup frozen through an ancestor, and
 * runc's retry-and-thaw loop while the kernel reports FREEZING) and v2's
 * `cgroup.freeze` (confirmed by polling `cgroup.events` for `frozen 1`).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { FreezerState } from "../../CgroupManager.js"
import type { SystemError } from "../../ContainerError.js"
import { cgroupTypes } from "../filesystemType.js"
import * as Strconv from "../strconv.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError } from "./errors.js"
import * as Files from "./files.js"
import { join } from "./goPath.js"
import { scanLines } from "./procCgroup.js"
import * as WallClock from "../wallClock.js"

type Failure = CgroupError | SystemError

const edgeSpace = /^\s+|\s+$/g

/** Go's `strings.TrimSpace` for the ASCII white space cgroupfs files end with. */
const trimSpace = (s: string): string => s.replace(edgeSpace, "")

/** Undefined (`""`) for a missing file or a missing device, else the failure. */
const undefinedIfAbsent = (error: Failure): Effect.Effect<FreezerState, Failure> =>
  Files.isAbsentOrNoDevice(error) ? Effect.succeed("") : Effect.fail(error)

/**
 * runc's `FreezerGroup.GetState(dir)`: `THAWED`; `FROZEN` only when frozen
 * by this cgroup itself (`self_freezing` 1 — frozen through an ancestor
 * reads as THAWED); `FREEZING` is waited out 1 ms at a time.
 */
export const getStateV1 = (env: CgroupEnv, dir: string): Effect.Effect<FreezerState, Failure> =>
  // Combinators rather than a generator: every status refresh of a v1 container runs this.
  Effect.flatMap(Files.readFileOrAbsent(env, dir, "freezer.state"), (state): Effect.Effect<FreezerState, Failure> => {
    if (state === undefined) return Effect.succeed("")
    switch (trimSpace(state)) {
      case "THAWED":
        return Effect.succeed("THAWED")
      case "FROZEN":
        return selfFreezing(env, dir)
      case "FREEZING":
        return Effect.zipRight(WallClock.sleep(Duration.millis(1)), Effect.suspend(() => getStateV1(env, dir)))
      default:
        return Effect.fail(new CgroupError({ message: `unknown freezer.state ${Strconv.quote(state)}` }))
    }
  })

/** Whether `bytes` is exactly `text` (ASCII). */
const isText = (bytes: Uint8Array, text: string): boolean => {
  if (bytes.length !== text.length) return false
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false
  return true
}

/**
 * A cgroup file read with a direct call, where reads are checked to be on
 * cgroupfs: the content, the errno name, or the `f_type` of a file refused.
 */
const readNow = (env: CgroupEnv, dir: string, file: string): Uint8Array | string | number | undefined =>
  env.layout.checkFileType ? env.fs.direct.readFileOn(join(dir, file), cgroupTypes, Files.maxFileBytes) : undefined

/**
 * {@link getStateV1} as a plain call where the answer is routine: `""`
 * for a missing file (ENOENT, ENODEV), `THAWED`; `undefined` for anything
 * else (frozen, freezing, unreadable, a test layout that does not check
 * file types), which the effect answers.
 */
export const getStateV1Now = (env: CgroupEnv, dir: string): "" | "THAWED" | undefined => {
  if (dir === "") return undefined
  const content = readNow(env, dir, "freezer.state")
  if (content === "ENOENT" || content === "ENODEV") return ""
  return content instanceof Uint8Array && (isText(content, "THAWED\n") || isText(content, "THAWED")) ? "THAWED" : undefined
}

/**
 * {@link getStateV2} as a plain call where the answer is routine: `""`
 * without `cgroup.freeze` (ENOENT, ENODEV), `THAWED` when it starts with
 * `0\n`; `undefined` for anything else, which the effect answers.
 */
export const getStateV2Now = (env: CgroupEnv, dir: string): "" | "THAWED" | undefined => {
  if (dir === "") return undefined
  const content = readNow(env, dir, "cgroup.freeze")
  if (content === "ENOENT" || content === "ENODEV") return ""
  return content instanceof Uint8Array && content.length >= 2 && content[0] === 0x30 && content[1] === 0x0a
    ? "THAWED"
    : undefined
}

/** A v1 cgroup reading FROZEN: frozen by itself (`freezer.self_freezing` 1), or only through an ancestor (0: THAWED). */
const selfFreezing = (env: CgroupEnv, dir: string): Effect.Effect<FreezerState, Failure> =>
  Effect.matchEffect(Files.readFile(env, dir, "freezer.self_freezing"), {
    onFailure: (error) => Files.isAbsentOrNoDevice(error) ? Effect.succeed<FreezerState>("FROZEN") : Effect.fail(error),
    onSuccess: (self) =>
      self === "0\n"
        ? Effect.succeed<FreezerState>("THAWED")
        : self === "1\n"
        ? Effect.succeed<FreezerState>("FROZEN")
        : Effect.fail(new CgroupError({ message: `unknown "freezer.self_freezing" state: ${Strconv.quote(self)}` }))
  })

/** Attempts of {@link setStateV1} before `unable to freeze`. */
const freezeAttempts = 1000

/** Freezes with runc's loop: write FROZEN and read back until it sticks, thawing briefly every 50 tries. */
const freezeV1 = (env: CgroupEnv, dir: string): Effect.Effect<void, Failure> =>
  Effect.gen(function*() {
    for (let i = 0; i < freezeAttempts; i++) {
      if (i % 50 === 49) {
        yield* Effect.ignore(Files.writeFile(env, dir, "freezer.state", "THAWED"))
        yield* WallClock.sleep(Duration.millis(10))
      }
      yield* Files.writeFile(env, dir, "freezer.state", "FROZEN")
      if (i % 25 === 24) yield* WallClock.sleep(Duration.micros(10n))
      const state = trimSpace(yield* Files.readFile(env, dir, "freezer.state"))
      if (state === "FREEZING") continue
      if (state === "FROZEN") {
        if (i > 1) yield* Effect.logDebug(`frozen after ${i} retries`)
        return
      }
      return yield* new CgroupError({ message: `unexpected state ${state} while freezing` })
    }
    return yield* new CgroupError({ message: "unable to freeze" })
  }).pipe(
    // Never leave a cgroup FROZEN or FREEZING after a failed attempt.
    Effect.tapError(() => Effect.ignore(Files.writeFile(env, dir, "freezer.state", "THAWED")))
  )

/** runc's `FreezerGroup.Set(dir, {Freezer: state})`. */
export const setStateV1 = Effect.fn("CgroupManager.freezeV1")(function*(env: CgroupEnv, dir: string, state: string) {
  switch (state) {
    case "":
      return
    case "THAWED":
      return yield* Files.writeFile(env, dir, "freezer.state", "THAWED")
    case "FROZEN":
      return yield* freezeV1(env, dir)
    default:
      return yield* new CgroupError({ message: `Invalid argument '${state}' to freezer.state` })
  }
})

/** Polls of `cgroup.events` before giving up on `frozen 1`, 10 ms apart. */
const frozenPolls = 1000

/**
 * fs2's `waitFrozen`: scan `cgroup.events` for `frozen <v>`; `1` is FROZEN,
 * anything else is re-read after 10 ms, up to 1000 times. A file without a
 * `frozen` line reads as undefined.
 */
const waitFrozen = (env: CgroupEnv, dir: string): Effect.Effect<FreezerState, Failure> =>
  Effect.gen(function*() {
    let polls = 0
    for (;;) {
      let again = false
      for (const line of scanLines(yield* Files.readBytes(env, dir, "cgroup.events"))) {
        if (polls === frozenPolls) {
          return yield* new CgroupError({ message: "timeout of 10s reached waiting for the cgroup to freeze" })
        }
        if (!line.startsWith("frozen ")) continue
        if (line[7] === "1") return "FROZEN" as FreezerState
        polls++
        yield* WallClock.sleep(Duration.millis(10))
        again = true
      }
      if (!again) return "" as FreezerState
    }
  })

/**
 * fs2's `readFreezer`: one read of up to two bytes of `cgroup.freeze`
 * (a short read leaves NULs, as Go's zeroed buffer does); `0\n` is THAWED,
 * `1\n` waits for the kernel to confirm, an empty file is Go's `EOF`.
 */
const readFreezeValue = (env: CgroupEnv, dir: string): Effect.Effect<FreezerState, Failure> =>
  Effect.flatMap(Files.readBytes(env, dir, "cgroup.freeze"), (content) => {
    if (content.length === 0) return Effect.fail(new CgroupError({ message: "EOF" }))
    const head = new Uint8Array(2)
    head.set(content.subarray(0, 2))
    const text = String.fromCharCode(head[0]!, head[1]!)
    if (text === "0\n") return Effect.succeed("THAWED" as FreezerState)
    if (text === "1\n") return waitFrozen(env, dir)
    return Effect.fail(new CgroupError({ message: `unknown "cgroup.freeze" state: ${Strconv.quote(head)}` }))
  })

/** fs2's `getFreezer(dir)`: a missing `cgroup.freeze` (or ENODEV) is undefined. */
export const getStateV2 = Effect.fnUntraced(function*(env: CgroupEnv, dir: string) {
  return yield* Effect.catchAll(readFreezeValue(env, dir), undefinedIfAbsent)
})

/**
 * fs2's `setFreezer(dir, state)`: writes `1`/`0` to `cgroup.freeze` and
 * reads the state back. Without the file, thawing silently succeeds and
 * freezing fails with `freezer not supported: <err>`.
 */
export const setStateV2 = Effect.fn("CgroupManager.freezeV2")(function*(env: CgroupEnv, dir: string, state: string) {
  if (state === "") return
  if (state !== "FROZEN" && state !== "THAWED") {
    return yield* new CgroupError({ message: `invalid freezer state ${Strconv.quote(state)} requested` })
  }
  const written = yield* Effect.either(Files.writeRaw(env, dir, "cgroup.freeze", state === "FROZEN" ? "1" : "0"))
  if (written._tag === "Left") {
    if (!Files.failedToOpen(written.left)) return yield* Effect.fail(written.left)
    if (state !== "FROZEN") return
    const cause = written.left._tag === "SystemError" ? written.left : written.left.cause
    return yield* new CgroupError({
      message: `freezer not supported: ${written.left.message}`,
      ...(cause === undefined ? {} : { cause })
    })
  }
  const actual = yield* readFreezeValue(env, dir)
  if (actual !== state) {
    return yield* new CgroupError({
      message: `expected "cgroup.freeze" to be in state ${Strconv.quote(state)} but was in ${Strconv.quote(actual)}`
    })
  }
})
