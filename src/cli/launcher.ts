/**
 * The installed `libcontainer` executable (`bin/libcontainer.js`, after the
 * shell prelude `scripts/build-cli.ts` puts first): runs the bundled CLI
 * next to it through V8's code cache, so a start skips compiling the code
 * it runs.
 *
 * The CLI is two bundles, each with its cache: `libcontainer.cjs`, the
 * program (`main.ts`: the command line, and `list` and `state` as plain
 * code), and `libcontainer-app.cjs` (`app.ts`: Effect and the library),
 * which the first loads only when it needs it — its `import("./app.js")`
 * lands here. A start that needs no Effect deserializes and runs only the
 * first.
 *
 * The caches are made at build time by runs with
 * `LIBCONTAINER_CODE_CACHE=write`, which writes the cache of every bundle
 * it loaded that had none. A cache is used only when its header is the
 * SHA-256 of the bundle it was made from; V8 itself refuses one from
 * another Node version or other flags. Either way the CLI then just
 * compiles as usual: a cache is an optimisation, never a requirement.
 */
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Script } from "node:vm"

const directory = dirname(fileURLToPath(import.meta.url))
const writing = process.env["LIBCONTAINER_CODE_CACHE"] === "write"
delete process.env["LIBCONTAINER_CODE_CACHE"]

type Require = (id: string) => unknown

/** Runs the bundle `<name>.cjs` as a CommonJS module with `require`, through its code cache: its exports. */
const load = (name: string, require: Require): unknown => {
  const bundle = join(directory, `${name}.cjs`)
  const cacheFile = join(directory, `${name}.cache`)
  const source = readFileSync(bundle, "utf8")
  const digest = createHash("sha256").update(source).digest()
  const cached = ((): Buffer | undefined => {
    try {
      const content = readFileSync(cacheFile)
      return content.subarray(0, digest.length).equals(digest) ? content.subarray(digest.length) : undefined
    } catch {
      return undefined
    }
  })()
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(cached !== undefined ? { cachedData: cached } : {})
  })
  if (writing && cached === undefined) {
    // after the run, so the functions it compiled lazily are in the cache too; best effort (an installed
    // package may be read-only), as the cache is never required
    process.once("exit", () => {
      try {
        writeFileSync(cacheFile, Buffer.concat([digest, script.createCachedData()]))
      } catch {
        // no cache this time: the CLI compiles as usual
      }
    })
  }
  const module = { exports: {} }
  script.runInThisContext()(module.exports, require, module, bundle, directory)
  return module.exports
}

const nodeRequire = createRequire(join(directory, "libcontainer.cjs"))
let app: unknown

load("libcontainer", (id) => id === "./app.js" ? (app ??= load("libcontainer-app", nodeRequire)) : nodeRequire(id))
