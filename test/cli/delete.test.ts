/**
 * `delete` of a stopped container whose cgroup cannot be removed — a
 * process lingers in a child cgroup — on this host, with real runc
 * containers: runc 1.1.5's CLI logs the failed removal (a warning in the
 * first round of its retries, an error in the last) and then the error,
 * removes the state directory anyway and exits 0, so the container is gone
 * from `list`; ours must do the same, with the same lines. The cgroup is
 * left where it is, by both.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { buildCli, executableIn } from "../../scripts/build-cli.js"
import { busybox, cgroupV1, describeWith, root as asRoot, runc as runcBinary } from "../support/prerequisites.js"
import { createContainer, destroyContainer, makeBundle, makeRoot } from "../support/runc.js"

const tag = process.pid.toString(36)

describeWith([asRoot, runcBinary, busybox, cgroupV1], "delete when the cgroup stays, against runc 1.1.5", () => {
  const outdir = join(import.meta.dirname, "../../node_modules/.cache/effect-libcontainer", `cli-delete-${process.pid}`)
  const bin = executableIn(outdir)
  const root = makeRoot()
  const bundles: Array<string> = []
  const stragglers: Array<number> = []
  const cgroupDirs: Array<string> = []

  beforeAll(async () => {
    await buildCli(outdir)
  }, 120_000)

  afterAll(() => {
    for (const pid of stragglers) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // gone already
      }
    }
    // children first; a dir whose last process is still exiting may need a moment
    for (const dir of cgroupDirs.reverse()) {
      for (let i = 0; i < 50 && existsSync(dir); i++) {
        try {
          rmdirSync(dir)
        } catch {
          spawnSync("sleep", ["0.05"])
        }
      }
    }
    for (const id of readdirSync(root)) destroyContainer(root, id)
    for (const bundle of bundles) rmSync(bundle, { recursive: true, force: true })
    rmSync(root, { recursive: true, force: true })
    rmSync(outdir, { recursive: true, force: true })
  })

  /** A stopped runc container with a sleeping process in a child of its freezer cgroup. */
  const stuck = (id: string): { readonly freezer: string } => {
    const bundle = makeBundle()
    bundles.push(bundle)
    createContainer(root, id, bundle, "stopped")
    const state = JSON.parse(readFileSync(join(root, id, "state.json"), "utf8")) as {
      cgroup_paths: Record<string, string>
    }
    const freezer = state.cgroup_paths["freezer"]!
    const child = join(freezer, "straggler")
    cgroupDirs.push(freezer, child)
    mkdirSync(child)
    const sleeper = spawn("sleep", ["1000"], { stdio: "ignore", detached: true })
    sleeper.unref()
    stragglers.push(sleeper.pid!)
    writeFileSync(join(child, "cgroup.procs"), String(sleeper.pid))
    return { freezer }
  }

  const run = (file: string, args: ReadonlyArray<string>) => {
    const r = spawnSync(file, ["--root", root, ...args], { encoding: "utf8", timeout: 60_000 })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  it("logs runc's error line, removes the state dir, exits 0 — as runc does", () => {
    const [a, b] = [`cli-stuck-a-${tag}`, `cli-stuck-b-${tag}`]
    const theirs = stuck(a)
    const ours = stuck(b)
    const [rt, us] = [run("runc", ["delete", a]), run(bin, ["delete", b])]
    expect(rt.status).toBe(0)
    expect(us.status).toBe(0)
    expect([us.stdout, rt.stdout]).toEqual(["", ""])
    const line = (stderr: string, freezer: string, id: string) =>
      stderr.replace(/^time="[^"]*" /gm, "time=T ").replaceAll(freezer, "<freezer>").replaceAll(id, "<id>")
    // runc's cgroup code logs the failed rmdir in its first and last rounds, then the CLI logs its error
    expect(line(us.stderr, ours.freezer, b)).toBe(line(rt.stderr, theirs.freezer, a))
    expect(line(us.stderr, ours.freezer, b)).toMatch(
      /^time=T level=warning msg="Failed to remove cgroup \(will retry\)" error="rmdir <freezer>\/straggler: device or resource busy"\n/
    )
    expect(line(us.stderr, ours.freezer, b).trimEnd().split("\n").at(-1)).toMatch(
      /^time=T level=error msg="Failed to remove paths: map\[.*freezer:<freezer>.*\]"$/
    )
    for (const id of [a, b]) expect(existsSync(join(root, id))).toBe(false)
    expect(run("runc", ["list", "-q"])).toEqual({ status: 0, stdout: "", stderr: "" })
    // the cgroup holding the straggler is still there for whoever owns it
    expect(existsSync(join(ours.freezer, "straggler"))).toBe(true)
  }, 120_000)
})
