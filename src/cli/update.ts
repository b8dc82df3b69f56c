/**
 * `libcontainer update`: runc 1.1.5's `update` action (`update.go`) —
 * `-r <file>` / `-r -` read as runc reads them, the flags read with its
 * checks and messages; the work is `Container.update`. The command's flags
 * (the int ones checked while the command line is read, as urfave does) and
 * help are declared with the others (`commands.ts`), so help never loads
 * this module.
 */
import * as Effect from "effect/Effect"
import * as Container from "../Container.js"
import { SystemError } from "../ContainerError.js"
import type * as Factory from "../Factory.js"
import { defaultMaxReadBytes, Filesystem } from "../Filesystem.js"
import { readUpdate, type UpdateFlag, updateFlags, type UpdateFlagValues } from "../internal/cgroups/update/update.js"
import type { Run } from "./invocation.js"
import type { Output } from "./stdio.js"

/** What the command needs from the program: its run, its output, and runc's `getContainer`. */
export interface Context {
  readonly run: Run
  readonly out: Output
  readonly load: (run: Run) => Effect.Effect<Container.Container, unknown, Factory.Services>
}

/** Standard input to its end, at most `maxBytes` (more is `read /dev/stdin: file too large`). */
const readStdin = (maxBytes: number): Effect.Effect<string, SystemError> =>
  Effect.async<string, SystemError>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const stdin = process.stdin
    const finish = (result: Effect.Effect<string, SystemError>) => {
      stdin.off("data", onData)
      stdin.off("end", onEnd)
      stdin.off("error", onError)
      stdin.pause()
      resume(result)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) return finish(Effect.fail(new SystemError({ op: "read", path: "/dev/stdin", code: "EFBIG" })))
      chunks.push(chunk)
    }
    const onEnd = () => finish(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
    const onError = (e: NodeJS.ErrnoException) =>
      finish(Effect.fail(new SystemError({ op: "read", path: "/dev/stdin", code: e.code ?? "EIO" })))
    stdin.on("data", onData)
    stdin.on("end", onEnd)
    stdin.on("error", onError)
    return Effect.sync(() => {
      stdin.off("data", onData)
      stdin.off("end", onEnd)
      stdin.off("error", onError)
      stdin.pause()
    })
  })

/** The `-r` document: standard input for `-`, else the file (runc's `os.Open`), bounded. */
const readResources = (path: string): Effect.Effect<string, SystemError, Filesystem> =>
  path === "-"
    ? readStdin(defaultMaxReadBytes)
    : Effect.flatMap(Filesystem, (fs) =>
      Effect.map(fs.readFile(path, { maxBytes: defaultMaxReadBytes }), (bytes) => new TextDecoder().decode(bytes)))

/**
 * runc's action: the container first; then `-r`'s document, or the flags,
 * read with runc's checks (`invalid value for memory: invalid size: 'x'`,
 * …); then `Container.update` with the Intel RDT schema flags, which apply
 * with `-r` too.
 */
export const execute = ({ load, run }: Context): Effect.Effect<void, unknown, Factory.Services> =>
  Effect.gen(function*() {
    const container = yield* load(run)
    const values: Partial<Record<UpdateFlag, string>> = {}
    for (const flag of updateFlags) {
      const value = run.flags.get(flag)
      if (typeof value === "string") values[flag] = value
    }
    const given: UpdateFlagValues = values
    const resources = given.resources ?? ""
    const document = resources === "" ? undefined : yield* readResources(resources)
    const update = yield* readUpdate(given, document)
    yield* Container.update(container, {
      ...update,
      l3CacheSchema: given["l3-cache-schema"] ?? "",
      memBwSchema: given["mem-bw-schema"] ?? ""
    })
  })
