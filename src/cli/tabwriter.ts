/**
 * The subset of Go's `text/tabwriter` runc's tables use
 * (`tabwriter.NewWriter(out, 12, 1, 3, ' ', 0)`): tab-separated cells, each
 * column as wide as its widest cell plus 3 spaces and at least 12, widths
 * counted in code points; the text after the last tab is not padded.
 */

/** Options of {@link format}, named as Go's `NewWriter` arguments. */
export interface TabwriterOptions {
  readonly minwidth: number
  readonly padding: number
}

/** runc's table settings. */
export const runcTable: TabwriterOptions = { minwidth: 12, padding: 3 }

const width = (s: string): number => [...s].length

/** Lays out `lines` (each a list of cells) as Go's tabwriter would. */
export const format = (lines: ReadonlyArray<ReadonlyArray<string>>, options: TabwriterOptions = runcTable): string => {
  const columns = Math.max(0, ...lines.map((l) => l.length - 1))
  const widths: Array<number> = []
  for (let col = 0; col < columns; col++) {
    const widest = Math.max(0, ...lines.map((l) => (col < l.length - 1 ? width(l[col] ?? "") : 0)))
    widths.push(Math.max(widest + options.padding, options.minwidth))
  }
  return lines
    .map((cells) =>
      cells
        .map((cell, col) => (col < cells.length - 1 ? cell + " ".repeat((widths[col] ?? 0) - width(cell)) : cell))
        .join("") + "\n"
    )
    .join("")
}
