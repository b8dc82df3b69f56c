/**
 * Draws docs/benchmarks-list.svg from the benchmark results: `list` time
 * against the number of containers N — runc's `runc list` and our
 * `libcontainer list` as whole processes (bench/results/cli.json), and,
 * dashed, our in-process `Factory.list` (bench/results/list.json, when
 * present). Plain SVG written by hand: no plotting package.
 *
 *   npx tsx scripts/plot-benchmarks.ts          (after npm run bench:cli, and bench:list for the dashed line)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const projectRoot = join(import.meta.dirname, "..")
const results = join(projectRoot, "bench", "results")
const output = join(projectRoot, "docs", "benchmarks-list.svg")

/** What bench/cli.ts writes, the parts drawn here. */
interface CliResults {
  readonly machine: { readonly cpu: string; readonly cpus: number; readonly loadAverage: ReadonlyArray<number> }
  readonly sizes: ReadonlyArray<{ readonly n: number; readonly runcMs: number; readonly oursMs: number }>
}

/** What bench/list.ts writes, the parts drawn here. */
interface ListResults {
  readonly sizes: ReadonlyArray<{ readonly n: number; readonly list: { readonly perContainerUs: number } }>
}

/** One line of the chart. */
interface Series {
  readonly label: string
  readonly color: string
  readonly dashed: boolean
  readonly points: ReadonlyArray<readonly [n: number, ms: number]>
}

const readJson = <A>(name: string): A | undefined => {
  const path = join(results, name)
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as A) : undefined
}

/** A "nice" axis maximum and step: 1, 2 or 5 times a power of ten, about five ticks. */
const axis = (max: number): { readonly top: number; readonly step: number } => {
  const raw = max / 5
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power
  return { top: Math.ceil(max / step) * step, step }
}

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const thousands = (n: number): string => n.toLocaleString("en-US")

/** The chart as SVG text. */
export const render = (series: ReadonlyArray<Series>, caption: string): string => {
  const width = 720
  const height = 440
  const margin = { left: 72, right: 24, top: 48, bottom: 84 }
  const plotW = width - margin.left - margin.right
  const plotH = height - margin.top - margin.bottom
  const all = series.flatMap((s) => s.points)
  const x = axis(Math.max(...all.map(([n]) => n), 1))
  const y = axis(Math.max(...all.map(([, ms]) => ms), 1))
  const px = (n: number) => margin.left + (n / x.top) * plotW
  const py = (ms: number) => margin.top + plotH - (ms / y.top) * plotH
  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">list: time against number of containers</text>`
  )
  for (let v = 0; v <= y.top + 1e-9; v += y.step) {
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${py(v)}" y2="${py(v)}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 8}" y="${py(v) + 4}" text-anchor="end">${thousands(v)}</text>`
    )
  }
  for (let v = 0; v <= x.top + 1e-9; v += x.step) {
    out.push(
      `<line x1="${px(v)}" x2="${px(v)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#f0f0f0"/>`,
      `<text x="${px(v)}" y="${margin.top + plotH + 18}" text-anchor="middle">${thousands(v)}</text>`
    )
  }
  out.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 40}" text-anchor="middle">containers (N)</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">time (ms, median)</text>`
  )
  for (const s of series) {
    const points = [...s.points].sort((a, b) => a[0] - b[0])
    const path = points.map(([n, ms], i) => `${i === 0 ? "M" : "L"}${px(n).toFixed(1)} ${py(ms).toFixed(1)}`).join(" ")
    out.push(
      `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="6 4"` : ""}/>`,
      ...points.map(([n, ms]) => `<circle cx="${px(n).toFixed(1)}" cy="${py(ms).toFixed(1)}" r="3.5" fill="${s.color}"/>`)
    )
  }
  series.forEach((s, i) => {
    const lx = margin.left + 12
    const ly = margin.top + 16 + i * 18
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="6 4"` : ""}/>`,
      `<text x="${lx + 30}" y="${ly}">${escape(s.label)}</text>`
    )
  })
  out.push(`<text x="${width / 2}" y="${height - 12}" text-anchor="middle" fill="#555">${escape(caption)}</text>`, `</svg>`)
  return out.join("\n") + "\n"
}

const main = (): void => {
  const cli = readJson<CliResults>("cli.json")
  if (cli === undefined) {
    process.stderr.write("bench/results/cli.json is missing: run `npm run bench:cli` first\n")
    process.exitCode = 1
    return
  }
  const series: Array<Series> = [
    { label: "runc list (whole process)", color: "#1f77b4", dashed: false, points: cli.sizes.map((s) => [s.n, s.runcMs]) },
    { label: "libcontainer list (whole process)", color: "#d62728", dashed: false, points: cli.sizes.map((s) => [s.n, s.oursMs]) }
  ]
  const list = readJson<ListResults>("list.json")
  if (list !== undefined) {
    series.push({
      label: "Factory.list (in process, no start-up)",
      color: "#d62728",
      dashed: true,
      points: [[0, 0], ...list.sizes.map((s): readonly [number, number] => [s.n, (s.list.perContainerUs * s.n) / 1000])]
    })
  }
  const { cpu, cpus, loadAverage } = cli.machine
  writeFileSync(output, render(series, `${cpus} × ${cpu}, load average ${loadAverage.join(" ")} — medians; see docs/benchmarks.md`))
  process.stdout.write(`wrote ${output}\n`)
}

main()
