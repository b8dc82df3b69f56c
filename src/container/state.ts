/**
 * runc's `State()` (`currentState` in `libcontainer/container_linux.go`):
 * the state.json content of a container now, and its encoding.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { namespaceProcName, namespaceTypes } from "../Config.js"
import type * as Config from "../Config.js"
import type { JsonEncodeError } from "../ContainerError.js"
import { Filesystem } from "../Filesystem.js"
import { setOwn } from "../internal/json/GoJson.js"
import * as State from "../State.js"
import { type Container, snapshot, type Model } from "./model.js"

/** `NsName`: the `/proc/<pid>/ns` file of a namespace type; `""` for an unknown one, as runc's. */
const namespaceFileName = (type: string): string =>
  Object.prototype.hasOwnProperty.call(namespaceProcName, type)
    ? namespaceProcName[type as keyof typeof namespaceProcName]
    : ""

/**
 * runc's `currentState()` for a given init pid: `namespace_paths` —
 * `/proc/<pid>/ns/<file>` for each namespace the config lists, and for
 * every other type the kernel supports (`/proc/self/ns/<file>` exists).
 */
const namespacePaths = (config: Config.Config, pid: number) =>
  Effect.gen(function*() {
    const fs = yield* Filesystem
    const paths: Record<string, string> = {}
    if (pid <= 0) return paths
    const set = (type: string) => setOwn(paths, type, `/proc/${pid}/ns/${namespaceFileName(type)}`)
    for (const ns of config.namespaces ?? []) if (!Object.prototype.hasOwnProperty.call(paths, ns.type)) set(ns.type)
    for (const type of namespaceTypes) {
      if (Object.prototype.hasOwnProperty.call(paths, type)) continue
      const supported = yield* fs.stat(`/proc/self/ns/${namespaceFileName(type)}`).pipe(
        Effect.as(true),
        Effect.orElseSucceed(() => false)
      )
      if (supported) set(type)
    }
    return paths
  })

/** runc's `currentState()` of a container with a given model. @internal */
export const stateOf = (c: Container, model: Model): Effect.Effect<State.State, never, Filesystem> =>
  Effect.gen(function*() {
    const init = Option.getOrUndefined(model.initProcess)
    const pid = init?.pid ?? -1
    const cgroupPaths = yield* c.cgroupManager.getPaths
    const rdtPath = yield* Option.match(c.intelRdtManager, {
      onNone: () => Effect.succeed(""),
      onSome: (m) => m.getPath
    })
    const fds = init?.externalDescriptors
    return {
      id: c.id,
      init_process_pid: pid,
      init_process_start: init?.startTime ?? 0n,
      created: model.created,
      config: model.config,
      rootless: model.config.rootless_euid === true && model.config.rootless_cgroups === true,
      cgroup_paths: { ...cgroupPaths },
      namespace_paths: yield* namespacePaths(model.config, pid),
      ...(fds !== undefined && fds.length > 0 ? { external_descriptors: fds } : {}),
      intel_rdt_path: rdtPath
    }
  })

/**
 * runc's `State()`: the state.json content for this container now, without
 * refreshing the status — init pid and start time (`-1`/`0` without an init
 * process), the config, cgroup and RDT paths, and `/proc/<pid>/ns/*` for
 * every namespace the config lists or the kernel supports.
 */
export const state: (c: Container) => Effect.Effect<State.State, never, Filesystem> = Effect.fn("Container.state")(
  function*(c: Container) {
    return yield* stateOf(c, yield* snapshot(c))
  }
)

/** The encoded state.json of a container, for inspection and tests. */
export const stateJson = (c: Container): Effect.Effect<string, JsonEncodeError, Filesystem> =>
  Effect.flatMap(state(c), State.encodeJson)
