/**
 * `ps <id> [ps options]`: the pids of the container's cgroup (runc's
 * `Processes()`), as JSON, or the lines of `ps` (`-ef` by default) whose PID
 * column is one of them.
 *
 * Plain code on a lean host (`lean.ts`): the container is loaded with the
 * library's lean Load and its pids read the lean way
 * (`internal/leanLoad.ts`); a container whose state file is not there is
 * runc's `container does not exist`, answered here; anything else — a
 * container that Load hands back, a cgroup that does not read plainly, `ps` failing or writing to
 * stderr, a PID column that does not parse, the rootless warning — is left
 * to the careful program (`psCarefully.ts`), which gives runc's answer or
 * error line.
 */
import * as Lean from "../internal/leanLoad.js"
import { parseBool } from "../internal/strconv.js"
import type { Run } from "./invocation.js"
import { type Host, loadOne, notExist, readerOf } from "./lean.js"
import * as Logrus from "./logrus.js"
import type { Output } from "./stdio.js"

/** The index of the PID column in a `ps` header, as runc's `getPidIndex` finds it. */
export const pidIndex = (header: string): number | undefined => {
  const index = header.trim().split(/\s+/).indexOf("PID")
  return index < 0 ? undefined : index
}

/** A PID column the lean path takes: a plain decimal (runc's `strconv.Atoi` decides the rest). */
const plainPid = /^[0-9]{1,10}$/

/** The lines runc keeps of `ps` output whose every PID column is plain, or `undefined` to let the careful way decide. */
const kept = (output: string, pids: ReadonlyArray<number>): string | undefined => {
  const lines = output.split("\n")
  const header = lines[0] ?? ""
  const index = pidIndex(header)
  if (index === undefined) return undefined
  const wanted = new Set(pids)
  let text = `${header}\n`
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line === "") continue
    const field = line.trim().split(/\s+/)[index] ?? ""
    if (!plainPid.test(field)) return undefined
    if (wanted.has(Number(field))) text += `${line}\n`
  }
  return text
}

/** Whether runc would warn that `ps` may fail rootless (or refuse `--rootless`): both are the careful way's to say. */
const rootlessOrInvalid = (run: Run): boolean => {
  const raw = run.globals.rootless
  const rootless = raw === "" || raw.toLowerCase() === "auto" ? run.rootlessByDefault() : parseBool(raw)
  return rootless !== false
}

/** `ps` on `host`: its exit status, runc's error line written on failure. */
export const main = async (run: Run, out: Output, host: Host): Promise<number> => {
  const id = run.args[0] ?? ""
  const given = run.flags.get("format")
  const format = typeof given === "string" ? given : "table"
  const reader = id === "" || rootlessOrInvalid(run) || (format !== "table" && format !== "json")
    ? undefined
    : readerOf(host, run.globals.root)
  if (reader === undefined) return host.runCarefully(run, out)
  let pids: ReadonlyArray<number> | "missing" | undefined
  try {
    const loaded = loadOne(host, reader, id)
    pids = typeof loaded === "object" ? Lean.allPids(reader.direct, loaded.read, reader.unified) : loaded
  } finally {
    reader.held.close()
  }
  if (pids === "missing") return notExist(run, out)
  if (pids === undefined) return host.runCarefully(run, out)
  let text: string | undefined
  if (format === "json") text = pids.length === 0 ? "null\n" : `[${pids.join(",")}]\n`
  else {
    const psArgs = run.args.slice(1)
    const ran = await host.runPs(psArgs.length === 0 ? ["-ef"] : psArgs)
    text = ran === undefined ? undefined : kept(ran, pids)
  }
  if (text === undefined) return host.runCarefully(run, out)
  const failed = out.stdout(text)
  if (failed === undefined) return 0
  Logrus.fatal(run.log, failed.message, out.stderr)
  return 1
}
