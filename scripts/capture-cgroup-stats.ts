/**
 * Captures real cgroup stat files from this host into
 * test/fixtures/cgroup-stats/host.json (not run in CI):
 *
 * - `host-v1-runc`: the v1 cgroups of a paused busybox container started by
 *   the real runc with memory, cpu, cpuset and pids limits, after it copied a
 *   file and spun a little; with `runc events --stats` taken while paused, so
 *   the files and runc's own line describe the same moment.
 * - `host-v2`: a cgroup2 directory under the unified mount (hugetlb enabled
 *   for the capture, then restored) holding a busybox process.
 *
 *   npx tsx scripts/capture-cgroup-stats.ts      (as root, with runc and busybox-static)
 *
 * Then run scripts/runc-golden.sh to refresh runc's answers for them.
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { busyboxPath, createContainer, destroyContainer, makeBundle, makeRoot, runc } from "../test/support/runc.js"

const out = join(import.meta.dirname, "..", "test", "fixtures", "cgroup-stats", "host.json")
const v1Controllers = ["cpuset", "memory", "cpu", "cpuacct", "pids", "blkio"] as const

/** Every readable regular file of `dir` under 64 KiB, keyed `<prefix>/<name>`. */
const snapshot = (dir: string, prefix: string, into: Record<string, string>): void => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    const info = statSync(path)
    if (!info.isFile() || (info.mode & 0o444) === 0) continue
    try {
      const content = readFileSync(path, "utf8")
      if (content.length < 64 * 1024) into[prefix === "" ? name : `${prefix}/${name}`] = content
    } catch {
      // write-only or refusing reads (memory.force_empty, cgroup.event_control…)
    }
  }
}

const captureV1 = () => {
  const id = `h18stats-${process.pid}`
  const cgroupsPath = `/h18stats-${process.pid}`
  const root = makeRoot()
  const bundle = makeBundle({ cgroupsPath })
  const specPath = join(bundle, "config.json")
  const spec = JSON.parse(readFileSync(specPath, "utf8"))
  spec.root.readonly = false
  spec.process.args = [
    "sh",
    "-c",
    "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; cat /bin/busybox > /tmp/copy; exec sleep 100000"
  ]
  spec.linux.resources = {
    ...spec.linux.resources,
    memory: { limit: 67108864, reservation: 33554432, swap: 134217728 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0", mems: "0" },
    pids: { limit: 64 }
  }
  writeFileSync(specPath, JSON.stringify(spec, null, 2))
  try {
    createContainer(root, id, bundle, "running")
    execFileSync("sleep", ["2"])
    runc(root, ["pause", id])
    const files: Record<string, string> = {}
    for (const c of v1Controllers) snapshot(join("/sys/fs/cgroup", c, cgroupsPath), c, files)
    const runcEvent = runc(root, ["events", "--stats", id])
    const again: Record<string, string> = {}
    for (const c of v1Controllers) snapshot(join("/sys/fs/cgroup", c, cgroupsPath), c, again)
    const changed = Object.keys(files).filter((k) => files[k] !== again[k])
    if (changed.length > 0) console.warn(`v1: changed while paused: ${changed.join(", ")}`)
    return { name: "host-v1-runc", driver: "v1", dirs: [...v1Controllers], files, runcId: id, runcEvent }
  } finally {
    destroyContainer(root, id)
    rmSync(bundle, { recursive: true, force: true })
    rmSync(root, { recursive: true, force: true })
  }
}

const captureV2 = () => {
  const unified = "/sys/fs/cgroup/unified"
  const control = join(unified, "cgroup.subtree_control")
  const enabledBefore = readFileSync(control, "utf8").split(/\s+/).includes("hugetlb")
  if (!enabledBefore) writeFileSync(control, "+hugetlb")
  const dir = join(unified, `h18stats-${process.pid}`)
  mkdirSync(dir)
  const busybox = busyboxPath()
  const sleeper = spawn(busybox, ["sleep", "100000"], { stdio: "ignore", detached: true })
  const spinner = spawn(busybox, ["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 100000"], {
    stdio: "ignore",
    detached: true
  })
  try {
    writeFileSync(join(dir, "cgroup.procs"), String(sleeper.pid))
    writeFileSync(join(dir, "cgroup.procs"), String(spinner.pid))
    execFileSync("sleep", ["1"])
    const files: Record<string, string> = {}
    snapshot(dir, "", files)
    return { name: "host-v2", driver: "v2", dirs: [], files }
  } finally {
    sleeper.kill("SIGKILL")
    spinner.kill("SIGKILL")
    for (let i = 0; i < 100 && existsSync(dir); i++) {
      try {
        rmdirSync(dir)
      } catch {
        execFileSync("sleep", ["0.05"])
      }
    }
    if (!enabledBefore) writeFileSync(control, "-hugetlb")
  }
}

const cases = [captureV1(), captureV2()]
mkdirSync(join(out, ".."), { recursive: true })
writeFileSync(out, JSON.stringify(cases, null, 2) + "\n")
console.log(`wrote ${out}: ${cases.map((c) => `${c.name} (${Object.keys(c.files).length} files)`).join(", ")}`)
