/**
 * The CLI's text formats: logrus lines (runc's stderr), Go's tabwriter
 * (runc's tables) and the passwd lookup behind `list`'s OWNER column.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Logrus from "../../src/cli/logrus.js"
import * as Owner from "../../src/cli/owner.js"
import * as Tabwriter from "../../src/cli/tabwriter.js"

describe("logrus lines", () => {
  const savedTz = process.env["TZ"]
  afterEach(() => {
    if (savedTz === undefined) delete process.env["TZ"]
    else process.env["TZ"] = savedTz
  })
  const moment = new Date(Date.UTC(2026, 10, 29, 11, 29, 40, 987))

  it("stamps RFC 3339 local time with whole seconds: Z in UTC, the offset elsewhere", () => {
    process.env["TZ"] = "UTC"
    expect(Logrus.rfc3339(moment)).toBe("2026-11-29T11:29:40Z")
    process.env["TZ"] = "Asia/Kolkata"
    expect(Logrus.rfc3339(moment)).toBe("2026-11-29T16:59:40+05:30")
    process.env["TZ"] = "America/New_York"
    expect(Logrus.rfc3339(moment)).toBe("2026-11-29T06:29:40-05:00")
  })

  it("is runc's error line: quoted time, level, %q-quoted message", () => {
    process.env["TZ"] = "UTC"
    expect(Logrus.errorLine("container does not exist", moment)).toBe(
      `time="2026-11-29T11:29:40Z" level=error msg="container does not exist"\n`
    )
    expect(Logrus.errorLine(`unknown signal "FOO"`, moment)).toBe(
      `time="2026-11-29T11:29:40Z" level=error msg="unknown signal \\"FOO\\""\n`
    )
    expect(Logrus.line("warning", "x", moment)).toBe(`time="2026-11-29T11:29:40Z" level=warning msg=x\n`)
  })

  it("is logrus's JSON line with --log-format json: sorted keys, Go's HTML-safe escapes", () => {
    process.env["TZ"] = "UTC"
    expect(Logrus.jsonLine("error", `unknown signal "<&>"\u2028\n`, moment)).toBe(
      `{"level":"error","msg":"unknown signal \\"\\u003c\\u0026\\u003e\\"\\u2028\\n","time":"2026-11-29T11:29:40Z"}\n`
    )
  })

  it("adds fields after the message, sorted, as logrus does (and leaves out an empty message)", () => {
    process.env["TZ"] = "UTC"
    const fields = [["error", "rmdir /x: device or resource busy"], ["attempt", "1"]] as const
    expect(Logrus.line("warning", "Failed to remove cgroup (will retry)", moment, fields)).toBe(
      `time="2026-11-29T11:29:40Z" level=warning msg="Failed to remove cgroup (will retry)" attempt=1 error="rmdir /x: device or resource busy"\n`
    )
    expect(Logrus.line("error", "", moment)).toBe(`time="2026-11-29T11:29:40Z" level=error\n`)
    expect(Logrus.jsonLine("warning", "m", moment, [["zeta", "<"], ["error", "e"]])).toBe(
      `{"error":"e","level":"warning","msg":"m","time":"2026-11-29T11:29:40Z","zeta":"\\u003c"}\n`
    )
  })

  it("writes an entry only when its level is on, and runc's fatal also writes the bare message to stderr when logging elsewhere", () => {
    const written: Array<string> = []
    const stderr: Array<string> = []
    const log: Logrus.Log = { format: "text", level: "info", toStderr: false, write: (t) => void written.push(t), close: () => undefined }
    Logrus.entry(log, "debug", "hidden")
    Logrus.entry({ ...log, level: "debug" }, "debug", "shown")
    Logrus.fatal(log, "container does not exist", (t) => void stderr.push(t))
    Logrus.fatal(log, "No help topic for 'x'\n", (t) => void stderr.push(t))
    expect(written.map((l) => l.replace(/^time="[^"]+" /, ""))).toEqual([
      "level=debug msg=shown\n",
      `level=error msg="container does not exist"\n`,
      `level=error msg="No help topic for 'x'\\n"\n`
    ])
    expect(stderr).toEqual(["container does not exist\n", "No help topic for 'x'\n"])
    Logrus.fatal({ ...log, toStderr: true }, "once", (t) => void stderr.push(t))
    expect(stderr).toHaveLength(2)
  })

  it("quotes a value only when logrus would, and then as Go's %q", () => {
    expect(Logrus.value("EOF")).toBe("EOF")
    expect(Logrus.value("a-b.c_d/e@f^g+h9")).toBe("a-b.c_d/e@f^g+h9")
    expect(Logrus.value("")).toBe("")
    expect(Logrus.value("a b")).toBe(`"a b"`)
    expect(Logrus.value("tab\there")).toBe(`"tab\\there"`)
    expect(Logrus.value("del\x7f")).toBe(`"del\\x7f"`)
    expect(Logrus.value("é")).toBe(`"é"`)
    expect(Logrus.value("line\n")).toBe(`"line\\n"`)
  })
})

describe("tabwriter (Go's text/tabwriter)", () => {
  it("pads every column but the last to its widest cell plus 3, at least 12 (runc's table)", () => {
    expect(Tabwriter.format("ID\tSTATUS\na-much-longer-id\trunning\n")).toBe(
      "ID" + " ".repeat(17) + "STATUS\na-much-longer-id   running\n"
    )
    expect(Tabwriter.format("A\tB\tC\n")).toBe("A           B           C\n")
  })

  it("counts code points, not UTF-16 units or bytes", () => {
    expect(Tabwriter.format("é\tx\n😀😀😀😀😀😀😀😀😀😀\ty\n")).toBe(
      "é" + " ".repeat(12) + "x\n" + "😀".repeat(10) + "   y\n"
    )
  })

  it("writes what Go 1.19's tabwriter writes, for 500 inputs of tabs, newlines, \\v, \\f and wide characters", () => {
    const vectors = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/tabwriter-go1.19.json"), "utf8")) as Array<{
      in: string
      minwidth: number
      padding: number
      out: string
    }>
    expect(vectors).toHaveLength(500)
    for (const v of vectors) {
      expect(Tabwriter.format(v.in, { minwidth: v.minwidth, padding: v.padding }), JSON.stringify(v.in)).toBe(v.out)
    }
  })

  it("gives the same text whether written at once or piece by piece", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.array(FastCheck.constantFrom("a", "bb", "é", "\t", "\n", "\v", "\f", "xyz"), { maxLength: 40 }),
        FastCheck.integer({ min: 1, max: 7 }),
        (pieces, cut) => {
          const text = pieces.join("")
          let out = ""
          const writer = new Tabwriter.Writer(Tabwriter.runcTable, (t) => void (out += t))
          for (let i = 0; i < text.length; i += cut) writer.write(text.slice(i, i + cut))
          writer.flush()
          expect(out).toBe(Tabwriter.format(text))
        }
      )
    )
  })

  it("lays out 200,000 rows without growing the stack, in pieces of at most 64 KiB plus a line", () => {
    const pieces: Array<string> = []
    const writer = new Tabwriter.Writer(Tabwriter.runcTable, (t) => void pieces.push(t))
    writer.write("ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
    for (let i = 0; i < 200_000; i++) {
      writer.write(`container-${i}\t${1000 + i}\trunning\t/bundles/${i}\t2026-11-29T10:07:59.89537064Z\troot\n`)
    }
    writer.flush()
    expect(pieces.length).toBeGreaterThan(100)
    for (const piece of pieces) expect(piece.length).toBeLessThan(64 * 1024 + 200)
    const lines = pieces.join("").split("\n")
    expect(lines).toHaveLength(200_002)
    expect(lines[0]).toBe("ID                 PID         STATUS      BUNDLE            CREATED                         OWNER")
    expect(lines[200_000]).toBe(
      "container-199999   200999      running     /bundles/199999   2026-11-29T10:07:59.89537064Z   root"
    )
  })

  it("takes a value with 100,000 tabs (100,000 columns) without a stack overflow", () => {
    const out = Tabwriter.format(`a\t${"x\t".repeat(100_000)}\nb\n`)
    expect(out.startsWith("a" + " ".repeat(11) + "x" + " ".repeat(11))).toBe(true)
    expect(out.endsWith("\nb\n")).toBe(true)
  })
})

describe("owner lookup", () => {
  it("reads uid → name from passwd, first entry wins, comments and junk skipped", () => {
    const names = Owner.parsePasswd("# comment\nroot:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\nbad\nnobody:x:65534:65534::/:/bin/false\n:x::\n")
    expect([...names]).toEqual([[0, "root"], [65534, "nobody"]])
  })
})
