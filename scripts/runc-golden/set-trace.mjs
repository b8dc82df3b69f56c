// Runs each case of set-cases.json through runc 1.1.5's Manager.Set (the
// golden binary's `set` mode) under strace, and prints the writes runc made
// under the case's directory, in order, with runc's error. Used by
// ../runc-golden.sh; not run in CI.
import { Buffer } from "node:buffer"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const [binary, casesFile] = process.argv.slice(2)
const cases = JSON.parse(readFileSync(casesFile, "utf8"))
const work = mkdtempSync(join(tmpdir(), "runc-golden-trace-"))

const unhex = (s) => Buffer.from(s.replace(/\\x([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8")

const results = cases.map((c, index) => {
  const trace = join(work, `${index}.trace`)
  const stdout = execFileSync("strace", ["-f", "-qq", "-xx", "-s", "65535", "-e", "trace=openat,write", "-o", trace, binary, "set", casesFile, String(index)], { encoding: "utf8" })
  const { dir, error, memorySwap } = JSON.parse(stdout.trim().split("\n").pop())
  const fds = new Map()
  const pendingOpen = new Map()
  const writes = []
  let begun = false
  for (const line of readFileSync(trace, "utf8").split("\n")) {
    const pid = line.split(" ")[0]
    const open = /openat\(AT_FDCWD, "((?:\\x[0-9a-f]{2})*)", [^)]*?(?:\) += (-?\d+)|<unfinished)/.exec(line)
    if (open !== null) {
      const path = unhex(open[1])
      if (path === `${dir}/.set-begins`) begun = true
      if (open[2] !== undefined) fds.set(open[2], path)
      else pendingOpen.set(pid, path)
      continue
    }
    const resumed = /<\.\.\. openat resumed>.*= (-?\d+)/.exec(line)
    if (resumed !== null && pendingOpen.has(pid)) {
      fds.set(resumed[1], pendingOpen.get(pid))
      pendingOpen.delete(pid)
      continue
    }
    const write = /write\((\d+), "((?:\\x[0-9a-f]{2})*)"/.exec(line)
    if (write !== null) {
      const path = fds.get(write[1])
      if (begun && path !== undefined && path.startsWith(dir + "/") && !path.endsWith("/.set-begins")) writes.push([path.slice(dir.length + 1), unhex(write[2])])
    }
  }
  return { name: c.name, error, writes, ...(memorySwap === undefined ? {} : { memorySwap }) }
})
rmSync(work, { recursive: true, force: true })
process.stdout.write(JSON.stringify(results, null, 1) + "\n")
