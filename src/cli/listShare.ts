/**
 * `list` on both cores: a list of many containers hands the tail of its
 * names to a worker thread, which loads them the lean way and writes each
 * one's output piece, while the list does the head itself; the list then
 * prints the worker's pieces in order, loading the careful way whatever the
 * worker handed back. The output is the one a single thread writes: the
 * same pieces, in name order. Each container is read once, by one thread,
 * as runc reads it (runc lists one container after another; the kernel's
 * answers do not depend on which thread asks).
 *
 * The worker runs the installed executable again (its launcher, so the
 * bundle starts from its code cache) with `LIBCONTAINER_LIST_SHARE=1` in its
 * environment, which `main.ts` answers with {@link serve}. A worker that
 * cannot start or fails hands its share back: the list does it itself.
 * `LIBCONTAINER_LIST_THREADS=1` keeps every list on one thread.
 */
import { formatOciStateCompact, type OciState } from "../container/format.js"
import { calls } from "../node/direct.js"
import { isAlive } from "../node/procStatFile.js"
import type * as Lean from "../internal/leanLoad.js"
import { load, type Reads, readerOf, type Share, type SharedEntry } from "./lean.js"
import * as Owner from "./owner.js"

/** The environment variable that makes a start of the executable a list's worker. */
export const shareVariable = "LIBCONTAINER_LIST_SHARE"

/** The environment variable that keeps lists on one thread when `1`. */
export const threadsVariable = "LIBCONTAINER_LIST_THREADS"

/**
 * Below this many containers a list stays on one thread: a worker takes
 * 40–60 ms to start (a Node isolate, the bundle, koffi), the time a cold
 * list needs for about 200 containers.
 */
export const minShared = 500

/** How many more containers than half the list keeps, for the worker's start-up (see {@link minShared}). */
const headStart = 200

/** Where a list of `n` directories cuts: the list does `[0, cut)`, a worker `[cut, n)` (`n` when it does not share). */
export const cutOf = (n: number): number => (n < minShared ? n : Math.min(n, Math.ceil(n / 2) + headStart))

/** One listed container's output: its id (`-q`), its JSON element, or its table row (runc's columns, owner included). */
export const pieceOf = (mode: Share["mode"], record: OciState, owner: string): string => {
  switch (mode) {
    case "quiet":
      return `${record.id}\n`
    case "json":
      return formatOciStateCompact({ ...record, owner })
    case "table":
      return `${record.id}\t${record.pid}\t${record.status}\t${record.bundle}\t${record.created}\t${owner}\n`
  }
}

/**
 * One container listed the lean way: its piece, `null` when the lean Load
 * hands it back, `false` when its state dir is gone by the time its owner
 * is read (runc skips it then too).
 */
export const leanEntry = (
  reads: Reads,
  reader: Lean.Reader | undefined,
  owner: (uid: number) => string,
  mode: Share["mode"],
  id: string
): SharedEntry => {
  const lean = reader === undefined ? undefined : load(reads, reader, id)
  if (lean === undefined) return null
  const info = reads.direct.stat(lean.stateDir)
  return typeof info === "string" ? false : pieceOf(mode, lean.record, owner(info.uid))
}

/** Lists a share the lean way, on whichever thread runs it: one entry per id, in order. */
export const entriesOf = (reads: Reads, share: Share): Array<SharedEntry> => {
  const owner = Owner.makeLookup(reads.direct.readFile)
  const reader = readerOf(reads, share.root)
  try {
    return share.ids.map((id) => leanEntry(reads, reader, owner, share.mode, id))
  } finally {
    reader?.held.close()
  }
}

/** What the worker is given: its share and the cgroup mode the list found. */
interface Request extends Share {
  readonly unified: boolean | undefined
}

/** The worker's side: lists the share it was given on this machine and posts the entries back. */
export const serve = async (): Promise<void> => {
  const { parentPort, workerData } = await import("node:worker_threads")
  const request = workerData as Request
  parentPort?.postMessage(entriesOf({ direct: calls, unified: request.unified, isAlive }, request))
}

/**
 * The list's side: a function that lists a share on a worker running
 * `script` (the installed executable), or `undefined` when lists stay on
 * one thread ({@link threadsVariable}).
 */
export const onWorker = (
  script: string,
  unified: boolean | undefined
): ((share: Share) => Promise<ReadonlyArray<SharedEntry> | undefined>) | undefined =>
  process.env[threadsVariable] === "1"
    ? undefined
    : (share) =>
      import("node:worker_threads").then(({ Worker }) =>
        new Promise<ReadonlyArray<SharedEntry> | undefined>((resolve) => {
          const request: Request = { root: share.root, ids: share.ids, mode: share.mode, unified }
          // fds the worker opens through koffi are closed through node: they are the worker's own, not node's to track
          const worker = new Worker(script, {
            argv: [],
            env: { ...process.env, [shareVariable]: "1" },
            workerData: request,
            trackUnmanagedFds: false,
            stdout: true,
            stderr: true
          })
          worker.once("message", (entries: ReadonlyArray<SharedEntry>) => resolve(entries))
          worker.once("error", () => resolve(undefined))
          worker.once("exit", () => resolve(undefined))
        })
      ).catch(() => undefined)
