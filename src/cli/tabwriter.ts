/**
 * Go's `text/tabwriter` as runc uses it: left-aligned, padded with spaces,
 * no escapes, no HTML filtering. runc's tables are
 * `tabwriter.NewWriter(out, 12, 1, 3, ' ', 0)` ({@link runcTable}) and
 * urfave/cli lays out help with `NewWriter(out, 1, 8, 2, ' ', 0)`
 * ({@link helpLayout}).
 *
 * Text is cut into cells at `\t` and `\v` and into lines at `\n` and `\f`,
 * exactly as Go cuts it, so a tab or newline inside a value moves the
 * columns as it does with runc. Tab-terminated cells of consecutive lines
 * form a column block, as wide as its widest cell plus the padding and at
 * least the minimum width; the text after the last tab of a line is not
 * padded. Lines are held until a line without a tab (or `\f`, or
 * {@link Writer.flush}) ends the blocks — a table of N rows holds its N rows
 * of cells, nothing else — and are written out in pieces, never as one
 * string. Nothing here recurses or spreads per line: the stack does not grow
 * with the number of rows.
 */

/** The `minwidth` and `padding` of Go's `NewWriter` (padding character space, flags 0). */
export interface TabwriterOptions {
  readonly minwidth: number
  readonly padding: number
}

/** runc's table settings (`list`). */
export const runcTable: TabwriterOptions = { minwidth: 12, padding: 3 }

/** urfave/cli's help settings. */
export const helpLayout: TabwriterOptions = { minwidth: 1, padding: 2 }

/** Go's `utf8.RuneCountInString`, on a JavaScript string: code points. */
const width = (s: string): number => {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // a high surrogate followed by a low one is one code point
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

/** How many bytes of output are gathered before they go to `emit`. */
const chunkSize = 64 * 1024

/**
 * A Go tabwriter writing its output through `emit`, in pieces of about
 * 64 KiB. Each line is an array of cells: all but the last were
 * tab-terminated.
 */
export class Writer {
  private lines: Array<Array<string>> = [[]]
  private cell = ""
  private widths: Array<number> = []
  private out = ""

  constructor(private readonly options: TabwriterOptions, private readonly emit: (text: string) => void) {}

  /** Go's `Writer.Write`: buffers `text`, formatting and writing what a cell-less line or `\f` releases. */
  write(text: string): void {
    let start = 0
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i)
      if (ch !== 0x09 && ch !== 0x0b && ch !== 0x0a && ch !== 0x0c) continue
      this.cell += text.slice(start, i)
      start = i + 1
      const line = this.lines[this.lines.length - 1]!
      line.push(this.cell)
      this.cell = ""
      if (ch === 0x0a || ch === 0x0c) {
        this.lines.push([])
        if (ch === 0x0c || line.length === 1) this.release()
      }
    }
    this.cell += text.slice(start)
  }

  /** Go's `Writer.Flush`: formats and writes everything buffered. */
  flush(): void {
    this.release()
    this.send()
  }

  private release(): void {
    if (this.cell.length > 0) {
      this.lines[this.lines.length - 1]!.push(this.cell)
      this.cell = ""
    }
    this.format(0, this.lines.length)
    this.lines = [[]]
    this.widths = []
  }

  private put(text: string): void {
    this.out += text
    if (this.out.length >= chunkSize) this.send()
  }

  private send(): void {
    if (this.out.length === 0) return
    const text = this.out
    this.out = ""
    this.emit(text)
  }

  /**
   * Go's `format`: for each column block in the lines held, its width, then
   * the blocks of the columns to its right within it. Go recurses once per
   * column; this keeps the same frames on a heap stack, because a value full
   * of tabs makes as many columns as it has tabs.
   */
  private format(line0: number, line1: number): void {
    const frames: Array<{ line0: number; line1: number; next: number }> = [{ line0, line1, next: line0 }]
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!
      const column = frames.length - 1
      while (frame.next < frame.line1 && column >= this.lines[frame.next]!.length - 1) frame.next++
      if (frame.next < frame.line1) {
        // a block of column `column` starts here: write what precedes it, measure it, format inside it
        this.writeLines(frame.line0, frame.next)
        frame.line0 = frame.next
        let end = frame.next
        let blockWidth = this.options.minwidth
        for (; end < frame.line1; end++) {
          const line = this.lines[end]!
          if (column >= line.length - 1) break
          const w = width(line[column]!) + this.options.padding
          if (w > blockWidth) blockWidth = w
        }
        this.widths.push(blockWidth)
        frame.next = end
        frames.push({ line0: frame.line0, line1: end, next: frame.line0 })
        continue
      }
      this.writeLines(frame.line0, frame.line1)
      frames.pop()
      const parent = frames[frames.length - 1]
      if (parent !== undefined) {
        this.widths.pop()
        // the line that ended the block has no cell in this column: Go's loop steps over it
        parent.line0 = parent.next
        parent.next++
      }
    }
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!
      for (let j = 0; j < line.length; j++) {
        const cell = line[j]!
        this.put(cell)
        if (j < this.widths.length) this.put(" ".repeat(Math.max(0, this.widths[j]! - width(cell))))
      }
      // the last line has no newline of its own: its text was cut by a flush
      if (i + 1 < this.lines.length) this.put("\n")
    }
  }
}

/** `text` laid out as Go's tabwriter would, in one string (for help and tests). */
export const format = (text: string, options: TabwriterOptions = runcTable): string => {
  let out = ""
  const writer = new Writer(options, (chunk) => {
    out += chunk
  })
  writer.write(text)
  writer.flush()
  return out
}
