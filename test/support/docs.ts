/**
 * Reading the documentation for the tests that keep it honest: code blocks
 * of a Markdown file with the marker comment in front of them, and named
 * regions of the example files those markers point at.
 *
 * A TypeScript block in the docs is preceded by
 * `<!-- example: examples/x.ts#region -->` (or `examples/x.ts` for a whole
 * file) and must equal that region; an output block (```text) preceded by
 * `<!-- output: examples/x.ts -->` must equal what the example prints.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"

/** The repository root. */
export const repo = join(import.meta.dirname, "..", "..")

/** A file of the repository, as text. */
export const read = (path: string): string => readFileSync(join(repo, path), "utf8")

/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The info string after the opening fence (`ts`, `sh`, `text`, …). */
  readonly lang: string
  readonly content: string
  /** The 1-based line of the opening fence. */
  readonly line: number
  /** The marker comment right before the fence, if any. */
  readonly marker: { readonly kind: "example" | "output"; readonly target: string } | undefined
}

const markerPattern = /^<!--\s*(example|output):\s*(\S+)\s*-->$/

/** Every fenced block of `markdown`, with its marker. */
export const codeBlocks = (markdown: string): ReadonlyArray<CodeBlock> => {
  const lines = markdown.split("\n")
  const blocks: Array<CodeBlock> = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(\S*)\s*$/.exec(lines[i]!)
    if (open === null) continue
    const fence = open[1]!
    let end = i + 1
    while (end < lines.length && lines[end] !== fence) end++
    let previous = i - 1
    while (previous >= 0 && lines[previous]!.trim() === "") previous--
    const m = previous >= 0 ? markerPattern.exec(lines[previous]!.trim()) : null
    blocks.push({
      lang: open[2]!,
      content: lines.slice(i + 1, end).join("\n"),
      line: i + 1,
      marker: m === null ? undefined : { kind: m[1] as "example" | "output", target: m[2]! }
    })
    i = end
  }
  return blocks
}

const regionStart = /^\s*\/\/ #region (\S+)\s*$/
const regionEnd = /^\s*\/\/ #endregion(?: (\S+))?\s*$/

/**
 * The lines of `source` between `// #region name` and `// #endregion name`,
 * without the markers of nested regions, dedented; the whole file (markers
 * removed) when `name` is undefined.
 */
export const region = (source: string, name: string | undefined): string | undefined => {
  const lines = source.split("\n")
  let body: Array<string>
  if (name === undefined) {
    body = lines
  } else {
    const start = lines.findIndex((l) => regionStart.exec(l)?.[1] === name)
    if (start < 0) return undefined
    const end = lines.findIndex((l, i) => i > start && regionEnd.exec(l) !== null && regionEnd.exec(l)![1] === name)
    if (end < 0) return undefined
    body = lines.slice(start + 1, end)
  }
  body = body.filter((l) => !regionStart.test(l) && !regionEnd.test(l))
  while (body.length > 0 && body[body.length - 1]!.trim() === "") body.pop()
  const indent = Math.min(...body.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length))
  return body.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join("\n")
}

/**
 * How the docs spell imports: the package name where the examples, which
 * live inside the repository, import from `../src`.
 */
export const asPublished = (code: string): string =>
  code
    .replaceAll(`"../src/index.js"`, `"effect-libcontainer"`)
    .replace(/"\.\.\/src\/(?:node\/|memory\/)?([A-Za-z]+)\.js"/g, `"effect-libcontainer/$1"`)

/** The code an example marker (`examples/x.ts#name`) points at, as the docs show it. */
export const exampleCode = (target: string): string | undefined => {
  const [file, name] = target.split("#") as [string, string | undefined]
  const text = (() => {
    try {
      return read(file)
    } catch {
      return undefined
    }
  })()
  if (text === undefined) return undefined
  const body = region(text, name)
  return body === undefined ? undefined : asPublished(body)
}
