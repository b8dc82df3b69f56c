/**
 * Preloaded with `node --import`: when the process exits, writes its peak
 * resident set size (KiB, from getrusage) to the file named by
 * ELC_BENCH_MAX_RSS. The RSS benchmark runs our CLI and the in-process list
 * under it.
 */
import { writeFileSync } from "node:fs"

const out = process.env.ELC_BENCH_MAX_RSS
if (out !== undefined && out !== "") {
  process.once("exit", () => writeFileSync(out, String(process.resourceUsage().maxRSS)))
}
