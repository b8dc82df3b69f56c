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
import type { Run } from "./invocation.js"
import { type Host, readerOf, type Share, type SharedEntry } from "./lean.js"
import { cutOf, leanEntry, pieceOf } from "./listShare.js"
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
  const ids = typeof listing === "string" ? [] : listing.filter((entry) => entry.type === "Directory").map((e) => e.name)
  // runc prints ids for -q whatever the format, and checks the format only otherwise: nothing is written for a bad one
  const mode: Share["mode"] | undefined = quiet ? "quiet" : format === "json" || format === "table" ? format : undefined

  const owner = Owner.makeLookup(host.direct.readFile)
  const stdout = new Buffered(out.stdout)
  const table = new Tabwriter.Writer(Tabwriter.runcTable, (text) => stdout.write(text))
  let listed = 0
  const emit = (piece: string): void => {
    listed++
    if (mode === "json") stdout.write((listed === 1 ? "[" : ",") + piece)
    else if (mode === "table") table.write(piece)
    else if (mode === "quiet") stdout.write(piece)
  }
  const careful = async (id: string): Promise<void> => {
    const loaded = await host.loadForList(root, id)
    if (loaded._tag === "Failed") return out.stderr(`load container ${id}: ${loaded.message}\n`)
    const info = host.direct.stat(loaded.stateDir)
    if (typeof info !== "string") emit(pieceOf(mode ?? "quiet", loaded.record, owner(info.uid)))
  }
  const take = async (id: string, entry: SharedEntry): Promise<void> => {
    if (entry === null) await careful(id)
    else if (entry !== false) emit(entry)
  }

  if (mode === "table") table.write(tableHeader)
  // the tail of a long list goes to a worker thread while this one does the head (`listShare.ts`)
  const cut = mode === undefined || host.shareList === undefined ? ids.length : cutOf(ids.length)
  const shared = cut < ids.length ? host.shareList!({ root, ids: ids.slice(cut), mode: mode! }) : undefined
  const reader = ids.length === 0 ? undefined : readerOf(host, root)
  let done = cut
  try {
    for (const id of ids.slice(0, cut)) await take(id, leanEntry(host, reader, owner, mode ?? "quiet", id))
    const entries = shared === undefined ? undefined : await shared
    if (entries !== undefined && entries.length === ids.length - cut) {
      for (let i = 0; i < entries.length; i++) await take(ids[cut + i]!, entries[i]!)
      done = ids.length
    }
    for (const id of ids.slice(done)) await take(id, leanEntry(host, reader, owner, mode ?? "quiet", id))
  } finally {
    reader?.held.close()
  }
  if (!quiet) {
    if (mode === undefined) {
      Logrus.fatal(run.log, "invalid format option", out.stderr)
      return 1
    }
    if (mode === "json") stdout.write(listed === 0 ? "null\n" : "]\n")
    else table.flush()
  }
  const failed = stdout.flush()
  if (failed === undefined) return 0
  Logrus.fatal(run.log, failed.message, out.stderr)
  return 1
}
