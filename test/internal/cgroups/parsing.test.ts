/**
 * The pure pieces of the cgroup rules: Go path functions (cgroups.md
 * Appendix A), `/proc/self/cgroup` parsing (Appendix C-1, C-2), systemd
 * slice and unit names (C-7), the v1 inner path (C-6) and the Go renderings
 * in error texts.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Config from "../../../src/Config.js"
import { goCgroup, goMap } from "../../../src/internal/cgroups/goFormat.js"
import * as GoPath from "../../../src/internal/cgroups/goPath.js"
import { clean } from "../../../src/internal/path.js"
import * as ProcCgroup from "../../../src/internal/cgroups/procCgroup.js"
import { expandSlice, unitName } from "../../../src/internal/cgroups/systemdPaths.js"
import { innerPath } from "../../../src/internal/cgroups/v1Paths.js"

describe("Go path functions", () => {
  it.each([
    ["/a/b/c", "/a/b"],
    ["/a/b/", "/a/b"],
    ["/a", "/"],
    ["/", "/"],
    ["a", "."],
    ["a/b", "a"],
    ["", "."],
    ["//a//b", "/a"]
  ])("Dir(%j) = %j", (path, expected) => {
    expect(GoPath.dir(path)).toBe(expected)
  })

  it.each([
    ["/a/b", "b"],
    ["/a/b/", "b"],
    ["", "."],
    ["///", "/"],
    ["cpu,cpuacct", "cpu,cpuacct"]
  ])("Base(%j) = %j", (path, expected) => {
    expect(GoPath.base(path)).toBe(expected)
  })

  it.each([
    [["/sys/fs/cgroup", "memory", "/c1"], "/sys/fs/cgroup/memory/c1"],
    [["", ""], ""],
    [["", "a"], "a"],
    [["/a", "/b"], "/a/b"],
    [["/a/", "../b"], "/b"],
    [["/sys/fs/cgroup/unified", ""], "/sys/fs/cgroup/unified"]
  ])("Join(%j) = %j", (elements, expected) => {
    expect(GoPath.join(...elements)).toBe(expected)
  })

  it.each([
    ["/", "/user.slice", "user.slice"],
    ["/a/b", "/a/b", "."],
    ["/a/b", "/a", ".."],
    ["/a/b", "/a/c/d", "../c/d"],
    ["/docker/x", "/docker/x/y", "y"],
    ["/docker/x", "/", "../.."],
    [".", "a", "a"],
    ["a", ".", "../."],
    ["../a", "../b", "../b"]
  ])("Rel(%j, %j) = %j", (base, target, expected) => {
    expect(GoPath.rel(base, target)).toEqual(Either.right(expected))
  })

  it.each([
    ["/a", "b"],
    ["a", "/b"],
    ["..", "a"]
  ])("Rel(%j, %j) fails with Go's text", (base, target) => {
    expect(GoPath.rel(base, target)).toEqual(Either.left(`Rel: can't make ${target} relative to ${base}`))
  })

  it.each([
    ["", ""],
    ["..", "."],
    ["../../x", "x"],
    ["/a/b/../c/", "/a/c"],
    ["x//y/.", "x/y"],
    ["/../../x", "/x"]
  ])("CleanPath(%j) = %j", (path, expected) => {
    expect(GoPath.cleanPath(path)).toBe(expected)
  })

  it("Join is Go's definition: the non-empty elements joined with / and cleaned", () => {
    const element = FastCheck.stringMatching(/^[/.ab]{0,6}$/)
    FastCheck.assert(FastCheck.property(FastCheck.array(element, { maxLength: 5 }), (elements) => {
      const kept = elements.filter((e) => e !== "")
      expect(GoPath.join(...elements)).toBe(kept.length === 0 ? "" : clean(kept.join("/")))
    }), { numRuns: 2000 })
  })

  it("Join of Rel gives back the target (absolute paths)", () => {
    const segment = FastCheck.constantFrom("a", "b", "c", "..", ".", "x.slice")
    const abs = FastCheck.array(segment, { maxLength: 5 }).map((parts) => "/" + parts.join("/"))
    FastCheck.assert(FastCheck.property(abs, abs, (base, target) => {
      const relative = GoPath.rel(base, target)
      expect(Either.isRight(relative)).toBe(true)
      expect(GoPath.join(base, Either.getOrThrow(relative))).toBe(GoPath.join(target))
    }))
  })
})

describe("/proc/self/cgroup", () => {
  const sshd = "/system.slice/system-sshd.slice/sshd@126-10.240.0.15:22-xxx.yyy.zzz.aaa:33678.service"

  it("parses runc's TestParseCgroupString input (C-1), colons in paths kept", () => {
    const content = [
      "9:blkio:/",
      "8:freezer:/",
      "7:perf_event:/",
      "6:devices:/system.slice/system-sshd.slice",
      "5:cpuset:/",
      `4:cpu,cpuacct:${sshd}`,
      "3:net_cls,net_prio:/",
      `2:memory:${sshd}`,
      `1:name=systemd:${sshd}`
    ].join("\n")
    const parsed = Either.getOrThrow(ProcCgroup.parseV1(content))
    expect(Object.fromEntries(parsed)).toEqual({
      blkio: "/",
      freezer: "/",
      perf_event: "/",
      cpuset: "/",
      net_cls: "/",
      net_prio: "/",
      devices: "/system.slice/system-sshd.slice",
      cpu: sshd,
      cpuacct: sshd,
      memory: sshd,
      "name=systemd": sshd
    })
  })

  it("rejects a line without two colons (C-1)", () => {
    expect(Either.getLeft(ProcCgroup.parseV1("malformed input")).pipe((e) => e._tag === "Some" && e.value.message))
      .toBe("invalid cgroup entry: must contain at least two colons: malformed input")
  })

  it("maps the cgroup2 line to the key \"\" and lets later lines win", () => {
    const parsed = Either.getOrThrow(ProcCgroup.parseV1("2:memory:/a\n0::/b\n1:memory:/c\r\n"))
    expect(Object.fromEntries(parsed)).toEqual({ memory: "/c", "": "/b" })
  })

  it.each([
    ["0::/user.slice/user-1001.slice/session-1.scope\n", Either.right("/user.slice/user-1001.slice/session-1.scope")],
    ["2:cpuset:/foo\n1:name=systemd:/\n", Either.left("cgroup path not found")],
    [
      "2:cpuset:/foo\n1:name=systemd:/\n0::/user.slice/user-1001.slice/session-1.scope\n",
      Either.right("/user.slice/user-1001.slice/session-1.scope")
    ],
    ["0::/a:b\n", Either.right("/a:b")],
    ["junk\tline\n0::/\n", Either.left("invalid cgroup entry: \"junk\\tline\"")]
  ])("v2 parser (C-2): %j", (content, expected) => {
    expect(Either.mapLeft(ProcCgroup.parseV2(content), (e) => e.message)).toEqual(expected)
  })
})

describe("systemd names (C-7)", () => {
  it.each([
    ["a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice"],
    ["-.slice", "/"],
    ["x.slice", "/x.slice"],
    ["system.slice", "/system.slice"],
    ["kubepods-burstable.slice", "/kubepods.slice/kubepods-burstable.slice"]
  ])("ExpandSlice(%j) = %j", (slice, expected) => {
    expect(expandSlice(slice)).toEqual(Either.right(expected))
  })

  it.each([".slice", "test--a.slice", "-test.slice", "test-.slice", "a/b.slice", "foo", "slice"])(
    "ExpandSlice(%j) fails",
    (slice) => {
      expect(Either.mapLeft(expandSlice(slice), (e) => e.message)).toEqual(Either.left(`invalid slice name: ${slice}`))
    }
  )

  it.each([
    [{ name: "system.slice" }, "system.slice"],
    [{ name: "kubepods.slice", scope_prefix: "runc" }, "kubepods.slice"],
    [{ name: "testing-container:ab", scope_prefix: "" }, "-testing-container:ab.scope"],
    [{ name: "c1", scope_prefix: "runc" }, "runc-c1.scope"]
  ])("unit of %j is %j", (fields, expected) => {
    expect(unitName(Config.makeCgroup(fields))).toBe(expected)
  })
})

describe("inner path (C-6)", () => {
  const R = "../../../../../../../../../../some/path"
  const A = "/../../../../../../../../../../some/path"
  it.effect.each([
    [R, "", "", "some/path"],
    [A, "", "", "/some/path"],
    ["", R, "name", "some/path/name"],
    ["", A, "name", "/some/path/name"],
    ["", "parent", R, "parent/some/path"],
    ["", "parent", A, "parent/some/path"],
    ["", R, R, "some/path/some/path"],
    ["", A, A, "/some/path/some/path"],
    ["", "", "c1", "c1"],
    ["", "", "", ""]
  ] as ReadonlyArray<readonly [string, string, string, string]>)("path %j parent %j name %j → %j", ([path, parent, name, expected]) =>
    Effect.gen(function*() {
      expect(yield* innerPath(Config.makeCgroup({ path, parent, name }))).toBe(expected)
    }))

  it.effect("refuses Path together with Name or Parent", () =>
    Effect.gen(function*() {
      for (const fields of [{ path: "/a", name: "b" }, { path: "a", parent: "p" }]) {
        const error = yield* Effect.flip(innerPath(Config.makeCgroup(fields)))
        expect(error.message).toBe("cgroup: either Path or Name and Parent should be used")
      }
    }))

  it("never climbs: a relative result has no leading `..`, an absolute one stays absolute", () => {
    const part = FastCheck.constantFrom("..", ".", "a", "b", "", "/")
    const raw = FastCheck.array(part, { maxLength: 6 }).map((parts) => parts.join("/"))
    FastCheck.assert(FastCheck.property(raw, raw, raw, (path, parent, name) => {
      const fields = path !== "" ? { path } : { parent, name }
      const inner = Effect.runSync(innerPath(Config.makeCgroup(fields)))
      expect(inner === ".." || inner.startsWith("../")).toBe(false)
      expect(inner.split("/").includes("..")).toBe(false)
      if (path.startsWith("/") || (path === "" && parent.startsWith("/"))) expect(inner.startsWith("/")).toBe(true)
    }))
  })
})

describe("Go renderings", () => {
  it("map[k:v] with sorted keys", () => {
    expect(goMap({ memory: "/m", "": "/u", devices: "/d" })).toBe("map[:/u devices:/d memory:/m]")
    expect(goMap({})).toBe("map[]")
  })

  it("%+v of a *configs.Cgroup", () => {
    expect(goCgroup(Config.makeCgroup({ name: "n", path: "/p" }))).toBe(
      "&{Name:n Parent: Path:/p ScopePrefix: Resources:<nil> Systemd:false SystemdProps:[] Rootless:false OwnerUID:<nil>}"
    )
    expect(goCgroup(Config.makeCgroup({ parent: "x", path: "y", Resources: Config.makeResources() })))
      .toMatch(/^&\{Name: Parent:x Path:y ScopePrefix: Resources:0x[0-9a-f]+ Systemd:false /)
  })
})
