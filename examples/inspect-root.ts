/**
 * Reads every state.json under a runc state root and prints what it says,
 * reporting each file that does not decode instead of stopping.
 *
 *   npx tsx examples/inspect-root.ts [root]      (default /run/runc)
 *
 * Where the root does not exist, it writes a state of its own to a temporary
 * root first and reads that back, so there is always something to show.
 */
import * as Either from "effect/Either"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Config from "../src/Config.js"
import * as State from "../src/State.js"

const inspect = (root: string): void => {
  const rows: Array<ReadonlyArray<string>> = [["ID", "PID", "CREATED", "BUNDLE"]]
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory()) continue
    const file = join(root, entry.name, State.stateFilename)
    if (!existsSync(file)) continue
    const decoded = State.decodeJson(readFileSync(file))
    if (Either.isLeft(decoded)) {
      process.stderr.write(`${file}: ${decoded.left.message}\n`)
      continue
    }
    const state = decoded.right
    const bundle = (state.config.labels ?? []).find((l) => l.startsWith("bundle="))?.slice("bundle=".length) ?? ""
    rows.push([entry.name, String(state.init_process_pid), state.created, bundle])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]! + 3)).join("").trimEnd())
}

const root = process.argv[2] ?? "/run/runc"
if (existsSync(root)) {
  inspect(root)
} else {
  const demo = mkdtempSync(join(tmpdir(), "libcontainer-demo-"))
  try {
    console.log(`no state root at ${root}; writing a demonstration container to ${demo}`)
    const state = State.make({
      id: "demo",
      init_process_pid: -1,
      created: new Date().toISOString().replace(/\.?0*Z$/, "Z"),
      config: Config.make({ rootfs: "/var/lib/demo/rootfs", labels: ["bundle=/var/lib/demo"] })
    })
    mkdirSync(join(demo, "demo"), { mode: 0o711 })
    writeFileSync(join(demo, "demo", State.stateFilename), Either.getOrThrow(State.encodeJson(state)), { mode: 0o600 })
    inspect(demo)
  } finally {
    rmSync(demo, { recursive: true, force: true })
  }
}
