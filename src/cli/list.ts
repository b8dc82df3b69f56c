/**
 * `list`: every container under the root, as runc 1.1.5's `list` prints
 * it (table, `--format json`, `-q`), streamed — each container is reduced
 * to its output as it comes: a JSON element or an id written out in 64 KiB
 * pieces, or the six cells of its table row, which Go's tabwriter must see
 * in full before it can align the columns.
 *
 * Plain code on a lean host (`lean.ts`): each container is loaded with the
 * library's lean Load, one held root for all of them; one the lean Load
 * hands back is loaded with `Factory.load` through the host, and a root
 * that cannot be read at all is listed by the careful program, which
 * reports it as runc does.
 */
import type { OciState } from "../container/format.js"
import { formatOciStateCompact } from "../container/format.js"
import type { Run } from "./invocation.js"
import { type Host, load, readerOf } from "./lean.js"
import * as Logrus from "./logrus.js"
import * as Owner from "./owner.js"
import { Buffered, type Output } from "./stdio.js"
import * as Tabwriter from "./tabwriter.js"

const tableHeader = "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n"

/** `list` on `host`: its exit status, runc's error line written on failure. */
export const main = async (run: Run, out: Output, host: Host): Promise<number> => {
  const quiet = run.flags.get("quiet") === true
  const given = run.flags.get("format")
  const format = typeof given === "string" ? given : "table"
  const root = run.globals.root
  const listing = host.direct.readDirectory(root)
  // runc lists a missing root as empty; any other failure is reported as the careful program reports it
  if (typeof listing === "string" && listing !== "ENOENT") return host.runCarefully(run, out)
  const entries = typeof listing === "string" ? [] : listing

  const owner = Owner.makeLookup(host.direct.readFile)
  const stdout = new Buffered(out.stdout)
  const table = new Tabwriter.Writer(Tabwriter.runcTable, (text) => stdout.write(text))
  let listed = 0
  const print = (record: OciState, stateDir: string): void => {
    const info = host.direct.stat(stateDir)
    if (typeof info === "string") return
    const shown = { ...record, owner: owner(info.uid) }
    listed++
    // runc prints ids for -q whatever the format, and checks the format only otherwise
    if (quiet) stdout.write(`${shown.id}\n`)
    else if (format === "json") stdout.write((listed === 1 ? "[" : ",") + formatOciStateCompact(shown))
    else if (format === "table") {
      table.write(`${shown.id}\t${shown.pid}\t${shown.status}\t${shown.bundle}\t${shown.created}\t${shown.owner}\n`)
    }
  }

  if (!quiet && format === "table") table.write(tableHeader)
  const reader = entries.length === 0 ? undefined : readerOf(host, root)
  try {
    for (const entry of entries) {
      if (entry.type !== "Directory") continue
      const lean = reader === undefined ? undefined : load(host, reader, entry.name)
      if (lean !== undefined) {
        print(lean.record, lean.stateDir)
        continue
      }
      const careful = await host.loadForList(root, entry.name)
      if (careful._tag === "Failed") out.stderr(`load container ${entry.name}: ${careful.message}\n`)
      else print(careful.record, careful.stateDir)
    }
  } finally {
    reader?.held.close()
  }
  if (!quiet) {
    if (format !== "table" && format !== "json") {
      Logrus.fatal(run.log, "invalid format option", out.stderr)
      return 1
    }
    if (format === "json") stdout.write(listed === 0 ? "null\n" : "]\n")
    else table.flush()
  }
  const failed = stdout.flush()
  if (failed === undefined) return 0
  Logrus.fatal(run.log, failed.message, out.stderr)
  return 1
}
