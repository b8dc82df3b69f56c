import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import { bareMessage, failureOf, lastError, parseLog, parseLogLine, sentinelOf } from "../../../src/internal/runtime/log.js"
import { checkSupported, parseVersion } from "../../../src/internal/runtime/version.js"

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/runtime/${name}`, import.meta.url), "utf8")
const version = (binary: string, text: string) => Either.getOrThrow(parseVersion(binary, text))

describe("runtime versions", () => {
  it("reads runc 1.1.5's --version (captured)", () => {
    const v = version("runc", fixture("runc-1.1.5-version.txt"))
    expect(v).toMatchObject({ runtime: "runc", major: 1, minor: 1, patch: 5, suffix: "+ds1", text: "1.1.5+ds1" })
    expect(v.details).toEqual({ commit: "1.1.5+ds1-1+deb12u1", spec: "1.0.2-dev", go: "go1.19.8", libseccomp: "2.5.4" })
    expect(Either.isRight(checkSupported(v))).toBe(true)
  })

  it("reads crun 1.8.1's --version (captured), features included", () => {
    const v = version("crun", fixture("crun-1.8.1-version.txt"))
    expect(v).toMatchObject({ runtime: "crun", major: 1, minor: 8, patch: 1, suffix: "" })
    expect(v.details["rundir"]).toBe("/run/crun")
    expect(v.features).toContain("+SECCOMP")
    expect(Either.getOrThrow(Either.flip(checkSupported(v))).message).toBe(
      "unsupported OCI runtime crun 1.8.1 (supported: runc 1.x): crun keeps container state in its own format (<root>/<id>/status), not runc's state.json"
    )
  })

  it("reads youki's two forms (as its source prints them)", () => {
    const old = version("youki", "youki version 0.3.3\ncommit: 0.3.3-0-abc123\n")
    expect(old).toMatchObject({ runtime: "youki", major: 0, minor: 3, patch: 3, details: { commit: "0.3.3-0-abc123" } })
    const current = version("youki", "youki version: 0.5.5\ncommit: 0.5.5-deadbeef\nspec: 1.2.1\nrustc: 1.88.0\nlibseccomp: 2.5.5\n")
    expect(current).toMatchObject({ major: 0, minor: 5, patch: 5, details: { spec: "1.2.1" } })
    expect(Either.getOrThrow(Either.flip(checkSupported(current)))).toMatchObject({
      _tag: "RuntimeVersionUnsupported",
      runtime: "youki",
      reason: expect.stringContaining("its own format")
    })
  })

  it("reads pre-releases and two-part versions", () => {
    expect(version("runc", "runc version 1.2.0-rc.1\n")).toMatchObject({ major: 1, minor: 2, patch: 0, suffix: "-rc.1" })
    expect(version("x", "x version 2.1\n")).toMatchObject({ major: 2, minor: 1, patch: 0, suffix: "" })
  })

  it("refuses unknown majors and runtimes with a clear message", () => {
    const refusal = (text: string) => Either.getOrThrow(Either.flip(checkSupported(version("rt", text)))).message
    expect(refusal("runc version 2.0.0")).toBe(
      "unsupported OCI runtime runc 2.0.0 (supported: runc 1.x)"
    )
    expect(refusal("kata-runtime version 3.1.0")).toBe("unsupported OCI runtime kata-runtime 3.1.0 (supported: runc 1.x)")
  })

  it("refuses output without a version line", () => {
    for (const text of ["", "runc version unknown\n", "Usage: runc", "\n\nrunc 1.1.5"]) {
      const error = Either.getOrThrow(Either.flip(parseVersion("runc", text)))
      expect(error._tag).toBe("RuntimeVersionUnknown")
      expect(error.message).toMatch(/^cannot read the version of runc from "/)
    }
  })
})

// Lines as the runtimes wrote them on this host (runc 1.1.5, crun 1.8.1); youki's from its source.
const runcJson = "{\"level\":\"error\",\"msg\":\"runc create failed: container with given ID already exists\",\"time\":\"2026-12-06T11:55:17Z\"}"
const runcText = "time=\"2026-12-06T12:12:50Z\" level=error msg=\"runc create failed: invalid mount {Destination:/x\\x00y} \\\"q\\\"\\n\""
const crunJson = "{\"msg\":\"container `x9` already exists\",\"level\":\"error\",\"time\":\"2026-12-06T11:55:29.385708Z\"}"
const youkiJson =
  "{\"timestamp\":\"2025-01-01T00:00:00.000000Z\",\"level\":\"ERROR\",\"message\":\"error in executing command: container c1 does not exist.\",\"target\":\"youki\"}"

describe("runtime logs", () => {
  it("reads logrus JSON with its extra fields", () => {
    expect(parseLogLine("{\"error\":\"boom\",\"level\":\"warning\",\"msg\":\"invalid configuration\",\"time\":\"t\"}")).toEqual({
      level: "warning",
      message: "invalid configuration",
      time: "t",
      fields: { error: "boom" },
      raw: "{\"error\":\"boom\",\"level\":\"warning\",\"msg\":\"invalid configuration\",\"time\":\"t\"}"
    })
  })

  it("reads logrus text, unquoting Go's escapes", () => {
    expect(parseLogLine(runcText)).toMatchObject({
      level: "error",
      time: "2026-12-06T12:12:50Z",
      message: "runc create failed: invalid mount {Destination:/x\u0000y} \"q\"\n"
    })
  })

  it("reads crun and youki JSON, and youki's text", () => {
    expect(parseLogLine(crunJson)).toMatchObject({ level: "error", message: "container `x9` already exists" })
    expect(parseLogLine(youkiJson)).toMatchObject({ level: "error", message: "error in executing command: container c1 does not exist.", fields: { target: "youki" } })
    expect(parseLogLine(" WARN youki: something odd")).toMatchObject({ level: "warning", message: "something odd" })
  })

  it("keeps a line in no known form as an error with the line as its message", () => {
    expect(parseLogLine("chdir `/nope` failed: No such file or directory")).toMatchObject({
      level: "error",
      message: "chdir `/nope` failed: No such file or directory"
    })
  })

  it("finds the last error, skipping warnings after it", () => {
    const entries = parseLog(`${runcJson}\n\n{"level":"warning","msg":"w","time":"t"}\n`)
    expect(entries.length).toBe(2)
    expect(lastError(entries)?.message).toBe("runc create failed: container with given ID already exists")
  })

  it("never throws on any text", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.string({ unit: "binary" }), (line) => {
        const entry = parseLogLine(line)
        expect(typeof entry.message).toBe("string")
      }),
      { numRuns: 2000 }
    )
  })
})

describe("typed failures", () => {
  const fail = (runtime: string, log: string, command = "create", exitCode: number | null = 1) =>
    failureOf({ runtime, command, id: "c1", exitCode, log })

  it("maps runc's sentinels", () => {
    expect(fail("runc", runcJson)._tag).toBe("ErrExist")
    expect(fail("runc", "{\"level\":\"error\",\"msg\":\"exec failed: container does not exist\",\"time\":\"t\"}", "exec", 255)._tag)
      .toBe("ErrNotExist")
    const invalid = fail("runc", "{\"level\":\"error\",\"msg\":\"runc create failed: invalid container ID format\",\"time\":\"t\"}")
    expect(invalid).toMatchObject({ _tag: "ErrInvalidID", id: "c1" })
  })

  it("maps crun's and youki's words for the same conditions", () => {
    expect(fail("crun", crunJson)._tag).toBe("ErrExist")
    expect(fail("crun", "{\"msg\":\"error opening file `/r/c1/status`: No such file or directory\",\"level\":\"error\",\"time\":\"t\"}", "start")._tag)
      .toBe("ErrNotExist")
    expect(fail("crun", "{\"msg\":\"cannot open directory '/r/c1': No such file or directory\",\"level\":\"error\",\"time\":\"t\"}", "delete")._tag)
      .toBe("ErrNotExist")
    expect(fail("youki", youkiJson, "start")._tag).toBe("ErrNotExist")
    expect(sentinelOf(bareMessage("error in executing command: container already exists"))).toBe("ErrExist")
  })

  it("keeps anything else as RuntimeFailed with the runtime's exact message", () => {
    const failed = fail("runc", `${runcJson.replace("container with given ID already exists", "cannot allocate tty")}`)
    expect(failed).toMatchObject({
      _tag: "RuntimeFailed",
      runtime: "runc",
      command: "create",
      message: "runc create failed: cannot allocate tty",
      exitCode: 1
    })
    expect(failed._tag === "RuntimeFailed" ? failed.entries.length : 0).toBe(1)
    expect(fail("runc", "", "run", 3).message).toBe("exit status 3")
    expect(failureOf({ runtime: "runc", command: "run", id: "c", exitCode: null, signal: "SIGKILL", log: "" }).message)
      .toBe("signal: SIGKILL")
  })

  it("does not mistake a message that merely mentions a sentinel", () => {
    expect(sentinelOf("unable to start: container does not exist yet")).toBeUndefined()
    expect(fail("runc", "{\"level\":\"error\",\"msg\":\"runc run failed: container with given ID already exists!\",\"time\":\"t\"}")._tag)
      .toBe("RuntimeFailed")
  })
})
