/**
 * This machine as the lean commands' host (`lean.ts`), without Effect: the
 * node layer's direct calls, the cgroup mode as runc's
 * `IsCgroup2UnifiedMode` reads it, and `/proc/<pid>/stat` for `hasInit` —
 * the same functions `Libcontainer.layerNode` runs on. Only a container the
 * lean Load hands back loads the Effect program (`app.ts`), once.
 */
import { statfsSync } from "node:fs"
import { CGROUP2_SUPER_MAGIC } from "../internal/filesystemType.js"
import { calls } from "../node/direct.js"
import { isAlive } from "../node/procStatFile.js"
import type { Run } from "./invocation.js"
import type { Host } from "./lean.js"

/**
 * runc's `IsCgroup2UnifiedMode`, as the cgroup manager of `layerNode`
 * probes it: `statfs(/sys/fs/cgroup)` says cgroup2. `undefined` when the
 * probe fails, where the manager would log a warning: every container then
 * loads the careful way, which logs it.
 */
const unified = (): boolean | undefined => {
  try {
    return statfsSync("/sys/fs/cgroup").type === CGROUP2_SUPER_MAGIC
  } catch {
    return undefined
  }
}

/** The most of `ps` output the lean `ps` takes (beyond it, the careful way's bounded read decides). */
const maxPsBytes = 64 * 1024 * 1024

/** This machine's lean host for one run of a command. */
export const make = (run: Run): Host => ({
  direct: calls,
  unified: unified(),
  isAlive: (pid, startTime) => isAlive(pid, startTime),
  loadForList: (root, id) => import("./app.js").then((App) => App.loadForListOnNode(run, root, id)),
  runCarefully: (command, out) => import("./app.js").then((App) => App.carefullyOnNode(command, out)),
  // node:child_process (and the streams and sockets it brings) is loaded only by the `ps` that runs ps
  runPs: (args) =>
    import("node:child_process").then(({ spawnSync }) => {
      // as the Processes adapter runs it: ps from $PATH, this environment, an empty stdin
      const ran = spawnSync("ps", args, { input: "", maxBuffer: maxPsBytes })
      const plain = ran.error === undefined && ran.status === 0 && ran.stderr.length === 0
      return plain ? ran.stdout.toString("utf8") : undefined
    })
})
