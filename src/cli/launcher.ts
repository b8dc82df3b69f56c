/**
 * The installed `libcontainer` executable (`bin/libcontainer.js`, after the
 * shell prelude `scripts/build-cli.ts` puts first): runs the bundled CLI
 * next to it (`libcontainer.cjs`, built from `main.ts`) through V8's code
 * cache (`libcontainer.cache`), so a start skips compiling the bundle and
 * the functions a run needs — about a fifth of the start-up time.
 *
 * The cache is made at build time by one run with
 * `LIBCONTAINER_CODE_CACHE=write`. It is used only when its header is the
 * SHA-256 of the bundle it was made from; V8 itself refuses a cache from
 * another Node version or other flags. Either way the CLI then just
 * compiles as usual: the cache is an optimisation, never a requirement.
 */
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Script } from "node:vm"

const directory = dirname(fileURLToPath(import.meta.url))
const bundle = join(directory, "libcontainer.cjs")
const cacheFile = join(directory, "libcontainer.cache")

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

if (process.env["LIBCONTAINER_CODE_CACHE"] === "write") {
  delete process.env["LIBCONTAINER_CODE_CACHE"]
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
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, directory)
