/**
 * Seeding the simulated host: files (a bundle, state.json files runc left
 * behind), cgroups, processes in them and a frozen cgroup, then watching the
 * library read them. The process table decides what `status` says, exactly
 * as /proc does on a real host: a recorded pid counts only while a process
 * with that pid and that start time lives.
 *
 *   npx tsx examples/memory-host.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Config, Container, Factory, Libcontainer, MemoryHost } from "../src/index.js"

// #region seed
// state.json as runc would leave it. Keys the example does not need are left
// out: a missing key reads as Go's zero value.
const stateJson = (id: string, pid: number, startTime: number) =>
  JSON.stringify({
    id,
    init_process_pid: pid,
    init_process_start: startTime,
    created: "2024-05-01T10:00:00Z",
    config: {
      rootfs: `/var/lib/bundles/${id}/rootfs`,
      namespaces: [{ type: "NEWPID", path: "" }],
      cgroups: { path: `/${id}` },
      labels: [`bundle=/var/lib/bundles/${id}`]
    },
    cgroup_paths: { "": `/sys/fs/cgroup/${id}` }
  })

export const seed: Libcontainer.MemorySeed = {
  cgroupMode: "unified", // or "hybrid" / "legacy" for cgroup v1 layouts
  cgroups: ["/sys/fs/cgroup/web", "/sys/fs/cgroup/batch"],
  processes: [
    { pid: 4242, startTime: 77n, comm: "nginx", namespaceInit: true, cgroup: "/sys/fs/cgroup/web" },
    { pid: 4300, startTime: 90n, comm: "worker", namespaceInit: true, cgroup: "/sys/fs/cgroup/batch" }
  ],
  frozen: ["/sys/fs/cgroup/batch"],
  entries: [
    { type: "dir", path: "/var/lib/bundles/app/rootfs", mode: 0o755 },
    { type: "dir", path: "/run/runc", mode: 0o700 },
    { type: "dir", path: "/run/runc/web", mode: 0o711 },
    { type: "file", path: "/run/runc/web/state.json", mode: 0o600, content: stateJson("web", 4242, 77) },
    { type: "dir", path: "/run/runc/batch", mode: 0o711 },
    { type: "file", path: "/run/runc/batch/state.json", mode: 0o600, content: stateJson("batch", 4300, 90) }
  ]
}

export const layer = Libcontainer.layerMemoryWith(seed)
// #endregion seed

// #region processes
export const program = Effect.gen(function*() {
  yield* Factory.list("/run/runc").pipe(
    Stream.runForEach((entry) =>
      entry._tag === "Loaded"
        ? Effect.flatMap(Container.lastStatus(entry.container), (status) => Console.log(entry.id, status))
        : Effect.void
    )
  )

  // web's init exits, and its pid is handed to an unrelated process
  const machine = yield* MemoryHost.MemoryHost
  machine.processes.exit(4242)
  yield* machine.processes.spawn({ pid: 4242, comm: "cron" })
  const web = yield* Factory.load("/run/runc", "web")
  yield* Console.log("pid 4242 reused, web is", yield* Container.status(web)) // stopped

  // The seeded rootfs passes validation
  const app = yield* Factory.create(
    "/run/runc",
    "app",
    Config.make({
      rootfs: "/var/lib/bundles/app/rootfs",
      namespaces: [{ type: "NEWNS", path: "" }],
      cgroups: Config.makeCgroup({ path: "/app", Resources: Config.makeResources() })
    })
  )
  yield* Console.log("app is", yield* Container.status(app), "in", app.stateDir)
  yield* Console.log("cgroups:", machine.cgroups.cgroups().join(" "))
})
// #endregion processes

if (process.argv[1] === import.meta.filename) {
  NodeRuntime.runMain(program.pipe(Effect.provide(layer)))
}
