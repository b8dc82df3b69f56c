/**
 * Records what the real runc does with `runc update` on this host (cgroup v1)
 * into test/fixtures/cgroup-stats/update-runc.json (not run in CI): for a
 * running busybox container with memory, cpu and pids limits, a sequence of
 * updates, each with runc's exit status, its log lines, and the cgroup
 * resources of state.json afterwards. Sizes that depend on the moment (the
 * usage figures of a refused memory limit) are replaced by `<n>`.
 *
 *   npx tsx scripts/capture-runc-update.ts      (as root, with runc and busybox-static)
 */
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createContainer, destroyContainer, makeBundle, makeRoot } from "../test/support/runc.js"

const out = join(import.meta.dirname, "..", "test", "fixtures", "cgroup-stats", "update-runc.json")
const id = `h18upd-${process.pid}`
const cgroupsPath = `/h18upd-${process.pid}`

const updates: ReadonlyArray<ReadonlyArray<string>> = [
  ["--memory", "abc"],
  ["--memory", "1.2.3"],
  ["--memory-reservation", "1x"],
  ["--cpu-period", "x"],
  ["--cpu-rt-period", "-1"],
  ["--cpu-quota", "1.5"],
  ["--cpu-rt-runtime", "9223372036854775808"],
  ["--cpu-share", "-1"],
  ["--pids-limit", "x"],
  ["--pids-limit", "99999999999999999999"],
  ["--blkio-weight", "x"],
  ["--l3-cache-schema", "L3:0=f"],
  ["--mem-bw-schema", "MB:0=1"],
  ["-r", "/nonexistent/resources.json"],
  ["--memory", "4k"],
  ["--memory", "128m", "--memory-swap", "64m"],
  ["--cpu-share", "1"],
  ["--cpu-share", "9999999"],
  ["--cpuset-cpus", "0-99"],
  ["--memory", "96m", "--memory-swap", "192m", "--cpu-share", "256", "--cpu-period", "50000", "--cpu-quota", "25000", "--pids-limit", "32"],
  ["--cpu-quota", "20000"],
  ["--cpu-period", "200000"],
  ["--memory-swap", "1g"],
  ["--memory", "100m"],
  ["--pids-limit", "-5"],
  ["--pids-limit", "0x20"],
  ["--memory", "-1"],
  ["--kernel-memory", "1m"],
  ["--cpuset-cpus", "0", "--cpuset-mems", "0", "--memory-reservation", "32m"]
]

const resources = (root: string) => {
  const cgroups = JSON.parse(readFileSync(join(root, id, "state.json"), "utf8")).config.cgroups
  const { devices: _devices, path: _path, ...rest } = cgroups
  return rest
}

const root = makeRoot()
const bundle = makeBundle({ cgroupsPath })
const specPath = join(bundle, "config.json")
const spec = JSON.parse(readFileSync(specPath, "utf8"))
spec.linux.resources = {
  ...spec.linux.resources,
  memory: { limit: 67108864 },
  cpu: { shares: 512, quota: 50000, period: 100000 },
  pids: { limit: 64 }
}
writeFileSync(specPath, JSON.stringify(spec, null, 2))
try {
  createContainer(root, id, bundle, "running")
  const initial = resources(root)
  const steps = updates.map((args) => {
    const run = spawnSync("runc", ["--root", root, "update", ...args, id], { encoding: "utf8" })
    const log = run.stderr
      .split("\n")
      .filter((l) => l.includes("level="))
      .map((l) => l.replace(/^time="[^"]*" /, "").replace(/(usage: )\d+/g, "$1<n>").split(cgroupsPath).join("/<cgroup>"))
    return { args, status: run.status, log, resources: run.status === 0 ? resources(root) : undefined }
  })
  writeFileSync(out, JSON.stringify({ initial, steps }, null, 1) + "\n")
  console.log(`wrote ${out}: ${steps.length} updates`)
} finally {
  destroyContainer(root, id)
  rmSync(bundle, { recursive: true, force: true })
  rmSync(root, { recursive: true, force: true })
}
