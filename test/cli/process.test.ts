/**
 * The installed executable as a process, next to runc 1.1.5: what happens
 * when stdout cannot take the output. A reader that went away (a pipe whose
 * read end is closed, `| head -c 10`) ends both by SIGPIPE, quietly; a full
 * device (`> /dev/full`) and a closed stdout (`>&-`) are one error line and
 * exit status 1 where runc checks its writes — and for us also where runc
 * does not (help, version, `state`, `list -q`): output that was not written
 * is never a success. Never a stack trace.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildCli, executableIn } from "../../scripts/build-cli.js"
import { describeWith, runc as runcBinary } from "../support/prerequisites.js"

interface Ended {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
}

/** Runs `file args…` with a stdout pipe nobody reads: its read end is closed before the program writes. */
const withBrokenPipe = (file: string, args: ReadonlyArray<string>): Promise<Ended> =>
  new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { stdio: ["ignore", "pipe", "pipe"] })
    child.stdout.destroy()
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("close", (status, signal) => resolve({ status, signal, stderr }))
  })

/** Runs `file args…` with stdout on `/dev/full`. */
const toFullDevice = (file: string, args: ReadonlyArray<string>): Ended => {
  const fd = openSync("/dev/full", "w")
  try {
    const r = spawnSync(file, [...args], { stdio: ["ignore", fd, "pipe"], encoding: "utf8", timeout: 30_000 })
    return { status: r.status, signal: r.signal, stderr: r.stderr }
  } finally {
    closeSync(fd)
  }
}

/** Runs `file args…` with stdout closed (`>&-`), through the shell as a user would. */
const withClosedStdout = (file: string, args: ReadonlyArray<string>): Ended => {
  const r = spawnSync("sh", ["-c", `exec "$0" "$@" >&-`, file, ...args], { encoding: "utf8", timeout: 30_000 })
  return { status: r.status, signal: r.signal, stderr: r.stderr }
}

const untimed = (stderr: string) => stderr.replace(/^time="[^"]*" /gm, "time=T ")

describeWith([runcBinary], "libcontainer when stdout fails, against runc 1.1.5", () => {
  const work = mkdtempSync(join(tmpdir(), "elc-cli-stdout-"))
  const root = join(work, "root")
  const outdir = join(import.meta.dirname, "../../node_modules/.cache/effect-libcontainer", `cli-stdout-${process.pid}`)
  const bin = executableIn(outdir)

  beforeAll(async () => {
    mkdirSync(root)
    // a stopped container runc made, for `state`
    mkdirSync(join(root, "old"), { mode: 0o711 })
    copyFileSync(join(import.meta.dirname, "../fixtures/runc-1.1.5/stopped.json"), join(root, "old", "state.json"))
    await buildCli(outdir)
  }, 120_000)

  afterAll(() => {
    rmSync(work, { recursive: true, force: true })
    rmSync(outdir, { recursive: true, force: true })
  })

  const commands: ReadonlyArray<ReadonlyArray<string>> = [
    ["--root", root, "list"],
    ["--root", root, "list", "--format", "json"],
    ["--root", root, "list", "-q"],
    ["--root", root, "state", "old"],
    ["--help"],
    ["--version"],
    ["--root", root, "list", "--bogus"]
  ]

  it("a reader gone: both die of SIGPIPE, printing nothing", async () => {
    for (const args of commands) {
      const [ours, theirs] = [await withBrokenPipe(bin, args), await withBrokenPipe("runc", args)]
      expect(ours, args.join(" ")).toEqual(theirs)
      expect(ours.signal).toBe("SIGPIPE")
    }
  })

  it("a full device: runc's line and status 1 where runc checks, and status 1 where runc loses the output", () => {
    for (const args of commands) {
      const [ours, theirs] = [toFullDevice(bin, args), toFullDevice("runc", args)]
      expect(ours.stderr, args.join(" ")).not.toMatch(/\n\s+at /)
      expect(ours.status).toBe(1)
      expect(ours.signal).toBeNull()
      if (theirs.status === 1) expect(untimed(ours.stderr), args.join(" ")).toBe(untimed(theirs.stderr))
      else {
        // runc ignores the failed write of help, version, `state` and `list -q`
        expect(theirs.status).toBe(0)
        expect(untimed(ours.stderr)).toBe(`time=T level=error msg="write /dev/stdout: no space left on device"\n`)
      }
    }
    // nothing to write, nothing to fail
    const empty = join(work, "empty")
    mkdirSync(empty, { recursive: true })
    for (const args of [["--root", root, "kill", "old", "0"], ["--root", empty, "list", "-q"]]) {
      const [ours, theirs] = [toFullDevice(bin, args), toFullDevice("runc", args)]
      expect([ours.status, untimed(ours.stderr)], args.join(" ")).toEqual([theirs.status, untimed(theirs.stderr)])
    }
  })

  it("a closed stdout: `write /dev/stdout: bad file descriptor` and status 1, as runc", () => {
    for (const args of commands) {
      const [ours, theirs] = [withClosedStdout(bin, args), withClosedStdout("runc", args)]
      expect(ours.status, args.join(" ")).toBe(1)
      expect(ours.stderr).not.toMatch(/\n\s+at /)
      if (theirs.status === 1) expect(untimed(ours.stderr), args.join(" ")).toBe(untimed(theirs.stderr))
      else expect(untimed(ours.stderr)).toBe(`time=T level=error msg="write /dev/stdout: bad file descriptor"\n`)
    }
    // a redirect to /dev/null is not a closed stdout
    const quiet = spawnSync("sh", ["-c", `exec "$0" "$@" >/dev/null`, bin, "--root", root, "list"], { encoding: "utf8" })
    expect([quiet.status, quiet.stderr]).toEqual([0, ""])
    // a LIBCONTAINER_STDOUT_CLOSED left in the caller's environment does not fool it
    const env = spawnSync("sh", ["-c", `exec "$0" "$@"`, bin, "--root", root, "ps", "old", "-o", "pid"], {
      encoding: "utf8",
      env: { ...process.env, LIBCONTAINER_STDOUT_CLOSED: "1" }
    })
    expect(env.stderr).not.toContain("bad file descriptor")
  })
})
