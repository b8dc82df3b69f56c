/**
 * The installed `libcontainer` executable (`bin/libcontainer.cjs`, after
 * the shell prelude `scripts/build-cli.ts` puts first): runs the bundled
 * CLI next to it through V8's code cache, so a start skips compiling the
 * code it runs. Built as CommonJS (so Node runs it with its CommonJS loader,
 * not the ESM one) and loads no module Node has not loaded already but
 * `node:vm`.
 *
 * The CLI is two bundles, each with its cache: `libcontainer-main.cjs`, the
 * program (`main.ts`: the command line, and `list`, `state` and `ps` as
 * plain code), and `libcontainer-app.cjs` (`app.ts`: Effect and the
 * library), which the first loads only when it needs it — its
 * `import("./app.js")` lands here. A start that needs no Effect
 * deserializes and runs only the first.
 *
 * The caches are made at build time by runs with
 * `LIBCONTAINER_CODE_CACHE=write`, which writes the cache of every bundle it
 * loaded without one. A cache file is the bundle it was made from — its
 * length (4 bytes, little-endian), then its bytes — followed by V8's data;
 * it is used only when those bytes are exactly the bundle's (V8 itself
 * checks no more than the source's length, and refuses a cache from another
 * Node version or other flags). Otherwise the CLI just compiles as usual: a
 * cache is an optimisation, never a requirement.
 *
 * Before anything else it puts back `NODE_EXTRA_CA_CERTS`, which the shell
 * prelude kept from node's start (`setAside.ts`).
 */
import { readFileSync, writeFileSync } from "node:fs"
import { Script } from "node:vm"
import { restoreSetAside } from "./setAside.js"

// what the shell prelude kept from node's start, back where programs the CLI starts will find it
restoreSetAside(process.env)

const writing = process.env["LIBCONTAINER_CODE_CACHE"] === "write"
delete process.env["LIBCONTAINER_CODE_CACHE"]

/** The bytes of a cache file before the bundle's: its length. */
const lengthBytes = 4

/** V8's data in `cache` when the cache was made from exactly `bundle` (a byte comparison, no hash); `undefined` otherwise. */
const cachedDataFor = (cache: Buffer, bundle: Buffer): Buffer | undefined =>
  cache.length > lengthBytes + bundle.length && cache.readUInt32LE(0) === bundle.length &&
    cache.subarray(lengthBytes, lengthBytes + bundle.length).equals(bundle)
    ? cache.subarray(lengthBytes + bundle.length)
    : undefined

/** A cache file of `bundle`: its length, its bytes, then V8's `data`. */
const cacheFileOf = (bundle: Buffer, data: Buffer): Buffer => {
  const length = Buffer.alloc(lengthBytes)
  length.writeUInt32LE(bundle.length)
  return Buffer.concat([length, bundle, data])
}

const readOrUndefined = (path: string): Buffer | undefined => {
  try {
    return readFileSync(path)
  } catch {
    return undefined
  }
}

type Require = (id: string) => unknown

/** Runs the bundle `<name>.cjs` as a CommonJS module with `require`, through its code cache: its exports. */
const load = (name: string, require: Require): unknown => {
  const bundle = `${__dirname}/${name}.cjs`
  const cacheFile = `${__dirname}/${name}.cache`
  const bytes = readFileSync(bundle)
  const cache = readOrUndefined(cacheFile)
  const cached = cache === undefined ? undefined : cachedDataFor(cache, bytes)
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${bytes.toString("utf8")}\n})`, {
    filename: bundle,
    ...(cached !== undefined ? { cachedData: cached } : {})
  })
  if (writing && (cached === undefined || script.cachedDataRejected === true)) {
    // after the run, so the functions it compiled lazily are in the cache too; best effort (an installed
    // package may be read-only), as the cache is never required
    process.once("exit", () => {
      try {
        writeFileSync(cacheFile, cacheFileOf(bytes, script.createCachedData()))
      } catch {
        // no cache this time: the CLI compiles as usual
      }
    })
  }
  const module = { exports: {} }
  const run = script.runInThisContext() as (...args: ReadonlyArray<unknown>) => void
  run(module.exports, require, module, bundle, __dirname)
  return module.exports
}

// this module is CommonJS once built: `require` is its own, resolving from bin/ as the bundles' would
const nodeRequire: Require = require
let app: unknown

load("libcontainer-main", (id) => id === "./app.js" ? (app ??= load("libcontainer-app", nodeRequire)) : nodeRequire(id))
