/**
 * `state <id>`: the container's OCI state after refreshing its status, as
 * runc 1.1.5 prints it (Go's indented JSON).
 *
 * Plain code on a lean host (`lean.ts`): the container is loaded with the
 * library's lean Load and runc's status checks. A container whose state
 * file is not there is runc's `container does not exist`, answered here;
 * anything else that Load hands back — a corrupt container, a paused one, a
 * symlink on the way — is left to the careful program, which gives runc's
 * answer or error line.
 */
import { formatOciState } from "../container/format.js"
import type { Run } from "./invocation.js"
import { type Host, loadOne, notExist, readerOf } from "./lean.js"
import * as Logrus from "./logrus.js"
import type { Output } from "./stdio.js"

/** `state` on `host`: its exit status, runc's error line written on failure. */
export const main = async (run: Run, out: Output, host: Host): Promise<number> => {
  const id = run.args[0] ?? ""
  const reader = id === "" ? undefined : readerOf(host, run.globals.root)
  if (reader === undefined) return host.runCarefully(run, out)
  let loaded
  try {
    loaded = loadOne(host, reader, id)
  } finally {
    reader.held.close()
  }
  if (loaded === "missing") return notExist(run, out)
  if (loaded === undefined) return host.runCarefully(run, out)
  const failed = out.stdout(formatOciState(loaded.record))
  if (failed === undefined) return 0
  Logrus.fatal(run.log, failed.message, out.stderr)
  return 1
}
