/**
 * `list` on both cores (`src/cli/listShare.ts`): a list long enough to
 * share hands its tail to a worker and prints exactly what one thread
 * prints — and what runc prints — in every format, with the containers the
 * lean Load hands back (corrupt, symlinked, missing state) anywhere in the
 * list; a worker that fails leaves the list to do its share itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildCli } from "../../scripts/build-cli.js"
import * as Invocation from "../../src/cli/invocation.js"
import type { Host, Share, SharedEntry } from "../../src/cli/lean.js"
import * as List from "../../src/cli/list.js"
import { cutOf, entriesOf, minShared } from "../../src/cli/listShare.js"
import * as NodeHost from "../../src/cli/nodeHost.js"
import type { Output } from "../../src/cli/stdio.js"
import { spawnRun } from "../support/cli.js"
import * as Prerequisites from "../support/prerequisites.js"

const stopped = readFileSync(new URL("../fixtures/runc-1.1.5/stopped.json", import.meta.url), "utf8")

/** A root of `n` stopped containers (and a few odd entries, at `odd` indexes) for a list to share. */
const layOut = (n: number, odd: ReadonlyArray<number>): string => {
  const root = mkdtempSync(join(tmpdir(), "elc-share-"))
  for (let i = 0; i < n; i++) {
    const id = `c${String(i).padStart(5, "0")}`
    mkdirSync(join(root, id))
    const kind = odd.indexOf(i) % 4
    if (!odd.includes(i)) writeFileSync(join(root, id, "state.json"), stopped.replace(/"id":"[^"]*"/, `"id":"${id}"`))
    else if (kind === 0) writeFileSync(join(root, id, "state.json"), "{\"id\": 5")
    else if (kind === 1) symlinkSync(join(root, "c00000", "state.json"), join(root, id, "state.json"))
    else if (kind === 2) writeFileSync(join(root, id, "state.json"), "{\"init_process_pid\": \"x\"}")
    // kind 3: no state.json at all
  }
  writeFileSync(join(root, "not-a-directory"), "")
  return root
}

Prerequisites.describeWith([Prerequisites.runc], "list on both cores", () => {
  const n = minShared + 150
  const cut = cutOf(n)
  // odd entries on both sides of the cut, and at its edges
  const odd = [1, 7, cut - 1, cut, cut + 1, cut + 5, n - 2, n - 1]
  let root: string
  let outdir: string
  let bin: string

  beforeAll(async () => {
    root = layOut(n, odd)
    outdir = join(import.meta.dirname, "../../node_modules/.cache/effect-libcontainer", `list-share-${process.pid}`)
    bin = (await buildCli(outdir)).executable
  }, 120_000)

  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
    rmSync(outdir, { recursive: true, force: true })
  })

  it("is long enough to share, and cuts inside the list", () => {
    expect(cut).toBeGreaterThan(0)
    expect(cut).toBeLessThan(n)
  })

  for (const args of [["--format", "json"], ["--format", "table"], ["-q"], ["--format", "yaml"]]) {
    it(`prints what one thread prints: list ${args.join(" ")}`, () => {
      // logrus lines carry the time they were written
      const untimed = (r: { readonly stderr: string }) => ({ ...r, stderr: r.stderr.replace(/time="[^"]*"/g, "time") })
      const shared = untimed(spawnRun(bin, ["--root", root, "list", ...args]))
      const single = untimed(spawnRun("env", ["LIBCONTAINER_LIST_THREADS=1", bin, "--root", root, "list", ...args]))
      expect(shared).toEqual(single)
      // every odd entry is refused by the careful way, in order
      expect(shared.stderr.split("\n").filter((l) => l.startsWith("load container")).map((l) => l.slice(15, 21))).toEqual(
        odd.map((i) => `c${String(i).padStart(5, "0")}`)
      )
    }, 60_000)
  }

  it("prints what runc prints", () => {
    for (const args of [["--format", "json"], ["--format", "table"], ["-q"]]) {
      const ours = spawnRun(bin, ["--root", root, "list", ...args])
      const runc = spawnRun("runc", ["--root", root, "list", ...args])
      expect(ours.stdout).toBe(runc.stdout)
      expect(ours.status).toBe(runc.status)
    }
  }, 60_000)
})

describe("list's share, in process", () => {
  const n = minShared
  const odd = [3, cutOf(n) + 2]
  let root: string
  beforeAll(() => {
    root = layOut(n, odd)
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  const capture = () => {
    let stdout = ""
    let stderr = ""
    const out: Output = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) }
    return { out, read: () => ({ stdout, stderr }) }
  }

  const listWith = async (shareList: Host["shareList"]) => {
    const { out, read } = capture()
    const run = Invocation.resolve(["--root", root, "list", "--format", "json"], out)
    if (run._tag !== "Run") throw new Error("not a run")
    const host = NodeHost.make(run)
    const status = await List.main(run, out, { ...host, ...(shareList === undefined ? {} : { shareList }) })
    return { status, ...read() }
  }

  it("hands the tail to the share and prints its entries in order", async () => {
    const asked: Array<Share> = []
    const host = NodeHost.make(Invocation.resolve(["--root", root, "list"], capture().out) as Invocation.Run)
    const shared = await listWith((share) => {
      asked.push(share)
      return Promise.resolve(entriesOf(host, share))
    })
    const alone = await listWith(undefined)
    expect(asked.map((s) => [s.ids[0], s.ids.length, s.mode])).toEqual([[`c${String(cutOf(n)).padStart(5, "0")}`, n - cutOf(n), "json"]])
    expect(shared).toEqual(alone)
    expect(JSON.parse(shared.stdout)).toHaveLength(n - odd.length)
  })

  it("does the share itself when the worker fails, or answers with the wrong number of entries", async () => {
    const alone = await listWith(undefined)
    expect(await listWith(() => Promise.resolve(undefined))).toEqual(alone)
    expect(await listWith(() => Promise.resolve<ReadonlyArray<SharedEntry>>(["x"]))).toEqual(alone)
  })
})
