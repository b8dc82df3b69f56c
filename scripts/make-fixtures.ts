/**
 * Regenerates test/fixtures/runc-1.1.5/*.json: state.json files written by the
 * real runc on this machine for a container in each status, with the
 * machine-specific bundle path replaced by /run/fixture/bundle. The bundle
 * carries a harmless seccomp rule whose argument is 2^64-1, so the fixtures
 * hold a uint64 beyond 2^53 written by runc itself.
 *
 *   npx tsx scripts/make-fixtures.ts      (as root, with runc and busybox-static)
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createContainer, destroyContainer, makeBundle, makeRoot } from "../test/support/runc.js"

const out = join(import.meta.dirname, "..", "test", "fixtures", "runc-1.1.5")
mkdirSync(out, { recursive: true })
const version = execFileSync("runc", ["--version"], { encoding: "utf8" }).split("\n")[0]
const statuses = ["created", "running", "paused", "stopped"] as const

for (const status of statuses) {
  const root = makeRoot()
  const bundle = makeBundle({ annotations: { "org.example.fixture": status } })
  const id = `fixture-${status}`
  const specPath = join(bundle, "config.json")
  // JSON.parse would round 2^64-1, so the rule goes in as text.
  const seccomp = `"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["personality"],` +
    `"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]},`
  writeFileSync(specPath, readFileSync(specPath, "utf8").replace(`"linux": {`, `"linux": {${seccomp}`))
  try {
    createContainer(root, id, bundle, status)
    const raw = readFileSync(join(root, id, "state.json"), "utf8")
    const scrubbed = raw.split(bundle).join("/run/fixture/bundle")
    writeFileSync(join(out, `${status}.json`), scrubbed)
    console.log(`${status}: ${scrubbed.length} bytes from ${version}`)
  } finally {
    destroyContainer(root, id)
    rmSync(bundle, { recursive: true, force: true })
    rmSync(root, { recursive: true, force: true })
  }
}
