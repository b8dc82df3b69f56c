import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Config from "../../src/Config.js"
import * as State from "../../src/State.js"
import { busybox, describeWith, root, runc as runcBinary } from "../support/prerequisites.js"
import { realContainer, runc } from "../support/runc.js"

const rewriteWithOurEncoding = (stateDir: string): string => {
  const file = join(stateDir, "state.json")
  const decoded = Either.getOrThrow(State.decodeJson(readFileSync(file)))
  const ours = Either.getOrThrow(State.encodeJson(decoded))
  writeFileSync(join(stateDir, "state-ours"), ours, { mode: 0o600 })
  renameSync(join(stateDir, "state-ours"), file)
  return ours
}

describeWith([root, runcBinary, busybox], "runc 1.1.5 reads state.json as we write it", () => {
  it.scoped("a running container keeps its identity in `runc state` and `runc list`", () =>
    Effect.gen(function*() {
      const { id, root } = yield* realContainer("interop-running", "running")
      const before = JSON.parse(runc(root, ["state", id]))
      const listBefore = runc(root, ["list", "--format", "json"])
      rewriteWithOurEncoding(join(root, id))
      expect(JSON.parse(runc(root, ["state", id]))).toEqual(before)
      expect(runc(root, ["list", "--format", "json"])).toBe(listBefore)
      expect(before.status).toBe("running")
    }))

  it.scoped("runc can pause, resume and kill a container whose state.json we wrote", () =>
    Effect.gen(function*() {
      const { id, root } = yield* realContainer("interop-ops", "running")
      rewriteWithOurEncoding(join(root, id))
      runc(root, ["pause", id])
      expect(JSON.parse(runc(root, ["state", id])).status).toBe("paused")
      runc(root, ["resume", id])
      expect(JSON.parse(runc(root, ["state", id])).status).toBe("running")
    }))

  it.scoped("a state.json we made from scratch reads as a stopped container", () =>
    Effect.gen(function*() {
      // Borrow a real container's config, then write a whole new state of our own.
      const { bundle, id, root } = yield* realContainer("interop-donor", "created")
      const donor = Either.getOrThrow(State.decodeJson(readFileSync(join(root, id, "state.json"))))
      const state = State.make({
        id: "ours",
        init_process_pid: 2 ** 22 + 1, // above pid_max: never a live process
        init_process_start: 12345n,
        created: "2026-11-29T10:07:59.89537064Z",
        config: Config.make({
          ...donor.config,
          labels: ["org.example=ours", `bundle=${bundle}`],
          cgroups: donor.config.cgroups
        }),
        cgroup_paths: {},
        namespace_paths: {}
      })
      mkdirSync(join(root, "ours"), { mode: 0o711 })
      writeFileSync(join(root, "ours", "state.json"), Either.getOrThrow(State.encodeJson(state)), { mode: 0o600 })
      const shown = JSON.parse(runc(root, ["state", "ours"]))
      expect(shown).toEqual({
        ociVersion: donor.config.version,
        id: "ours",
        pid: 0,
        status: "stopped",
        bundle,
        rootfs: donor.config.rootfs,
        created: "2026-11-29T10:07:59.89537064Z",
        annotations: { "org.example": "ours" },
        owner: ""
      })
      runc(root, ["delete", "ours"])
    }))
})
