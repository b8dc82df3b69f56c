/**
 * Watching resource usage: a running container's limits changed with
 * `Container.update`, then `Container.events` — its stats every second and
 * the OOM kills in its cgroup — printed as they come. On the simulated host
 * the workload is a test's to play: each stats event makes the container
 * use more memory, until the kernel's OOM killer steps in.
 *
 *   npx tsx examples/watch-usage.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Container, Factory, Libcontainer, MemoryHost } from "../src/index.js"

// #region seed
// A running container "web": its init and a worker in its cgroup, and the
// state.json runc left (keys the example does not need are left out).
export const seed: Libcontainer.MemorySeed = {
  cgroups: ["/sys/fs/cgroup/web"],
  processes: [
    { pid: 4242, startTime: 77n, comm: "nginx", namespaceInit: true, cgroup: "/sys/fs/cgroup/web" },
    { pid: 4243, startTime: 78n, comm: "worker", ppid: 4242, cgroup: "/sys/fs/cgroup/web" }
  ],
  entries: [
    { type: "dir", path: "/run/runc/web", mode: 0o711 },
    {
      type: "file",
      path: "/run/runc/web/state.json",
      mode: 0o600,
      content: JSON.stringify({
        id: "web",
        init_process_pid: 4242,
        init_process_start: 77,
        config: { rootfs: "/var/lib/bundles/web/rootfs", cgroups: { path: "/web", memory: 0 } },
        cgroup_paths: { "": "/sys/fs/cgroup/web" }
      })
    }
  ]
}

export const layer = Libcontainer.layerMemoryWith(seed)
// #endregion seed

// #region watch
const MiB = 1024n * 1024n

const summary = (stats: Container.Stats): string => {
  const memory = stats.cgroup.memory_stats.usage
  const pids = stats.cgroup.pids_stats
  return `memory ${memory.usage / MiB} MiB of ${memory.limit / MiB} MiB, ` +
    `${pids.current} of ${pids.limit} processes`
}

export const program = Effect.gen(function*() {
  const machine = yield* MemoryHost.MemoryHost
  const web = yield* Factory.load("/run/runc", "web")

  // runc update --memory 64m --pids-limit 32 web
  yield* Container.update(web, { memory: { limit: 64n * MiB }, pids: { limit: 32n } })
  yield* machine.cgroups.setUsage("/sys/fs/cgroup/web", { memory: 8n * MiB })

  let seen = 0
  yield* Container.events(web, { interval: "1 second" }).pipe(
    Stream.take(4),
    Stream.runForEach((event) =>
      event.type === "oom"
        ? Console.log("oom: the kernel killed a process")
        : Effect.gen(function*() {
          yield* Console.log(summary(event.stats))
          // the simulated workload grows by 32 MiB after each of the first two events
          if (++seen <= 2) yield* machine.cgroups.charge("/sys/fs/cgroup/web", 32n * MiB)
        })
    )
  )
})
// #endregion watch

if (process.argv[1] === import.meta.filename) {
  NodeRuntime.runMain(program.pipe(Effect.provide(layer)))
}
