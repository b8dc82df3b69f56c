/**
 * The CLI's text formats: logrus lines (runc's stderr), Go's tabwriter
 * (runc's tables) and the passwd lookup behind `list`'s OWNER column.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
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

describe("tabwriter (runc's minwidth 12, padding 3)", () => {
  it("pads every column but the last to its widest cell plus 3, at least 12", () => {
    expect(Tabwriter.format([["ID", "STATUS"], ["a-much-longer-id", "running"]])).toBe(
      "ID" + " ".repeat(17) + "STATUS\na-much-longer-id   running\n"
    )
    expect(Tabwriter.format([["A", "B", "C"]])).toBe("A           B           C\n")
  })

  it("counts code points, not UTF-16 units or bytes", () => {
    expect(Tabwriter.format([["é", "x"], ["😀😀😀😀😀😀😀😀😀😀", "y"]])).toBe(
      "é" + " ".repeat(12) + "x\n" + "😀".repeat(10) + "   y\n"
    )
  })
})

describe("owner lookup", () => {
  it("reads uid → name from passwd, first entry wins, comments and junk skipped", () => {
    const names = Owner.parsePasswd("# comment\nroot:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\nbad\nnobody:x:65534:65534::/:/bin/false\n:x::\n")
    expect([...names]).toEqual([[0, "root"], [65534, "nobody"]])
  })
})
