/**
 * The two states the crash test's save loop alternates between, and how to
 * tell which one a loaded container holds.
 */
import type * as Config from "../../../src/Config.js"

/** One of the two states: its creation time and config. */
export interface CrashState {
  readonly name: "small" | "large"
  readonly created: string
  readonly config: Config.Config
}

const bulk = "x".repeat(200 * 1024)

/** The small and the large state, built on `base`. */
export const crashStates = (base: Config.Config): readonly [CrashState, CrashState] => [
  { name: "small", created: "2024-01-01T00:00:00.000000001Z", config: { ...base, labels: ["bundle=/small"] } },
  {
    name: "large",
    created: "2024-02-02T00:00:00.000000002Z",
    config: { ...base, labels: ["bundle=/large", `bulk=${bulk}`] }
  }
]

/** Which of the two states a loaded container holds, or a description of what is wrong with it. */
export const whichState = (
  loaded: { readonly created: string; readonly config: Config.Config },
  states: readonly [CrashState, CrashState]
): CrashState["name"] | `mismatch: ${string}` => {
  for (const s of states) {
    if (loaded.created !== s.created) continue
    const same = JSON.stringify(loaded.config.labels) === JSON.stringify(s.config.labels)
    return same ? s.name : `mismatch: created of ${s.name}, labels of another`
  }
  return `mismatch: created ${loaded.created}`
}
