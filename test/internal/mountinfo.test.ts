import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import * as Mountinfo from "../../src/internal/mountinfo.js"

const parsed = (content: string | Uint8Array, filter?: Mountinfo.Filter) =>
  Either.getOrThrow(Mountinfo.parse(content, filter))
const failure = (content: string | Uint8Array): string => {
  const result = Mountinfo.parse(content)
  if (Either.isRight(result)) throw new Error(`parsed ${result.right.length} entries`)
  expect(result.left._tag).toBe("MountinfoParseError")
  return result.left.message
}
const one = (line: string) => {
  const entries = parsed(line)
  expect(entries).toHaveLength(1)
  return entries[0]!
}

const hybridHost = `21 26 0:20 / /proc rw,relatime - proc proc rw
22 26 0:21 / /sys rw,relatime - sysfs sysfs rw
26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:5 - cgroup2 cgroup2 rw,nsdelegate
32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup rw,xattr,name=systemd
33 30 0:29 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:7 - cgroup cgroup rw,freezer
40 22 0:40 / /sys/fs/resctrl rw,relatime shared:20 - resctrl resctrl rw
41 26 0:41 / /mnt/rdt rw,relatime - resctrl resctrl rw,mba_MBps
`

describe("Mountinfo.parse (moby/sys/mountinfo v0.6.2)", () => {
  it("reads every field of a line", () => {
    expect(one("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue")).toEqual({
      id: 36,
      parent: 35,
      major: 98,
      minor: 0,
      root: "/mnt1",
      mountpoint: "/mnt2",
      options: "rw,noatime",
      optional: "master:1",
      fstype: "ext3",
      source: "/dev/root",
      vfsOptions: "rw,errors=continue"
    })
  })

  it("joins several optional fields and accepts none", () => {
    expect(one("251 15 0:3573 / /mnt/point rw,relatime shared:123 extra:tag what:ever key:value - aufs none rw").optional)
      .toBe("shared:123 extra:tag what:ever key:value")
    expect(one("251 15 0:3573 / /mnt/point rw,relatime - aufs none rw").optional).toBe("")
  })

  it("tolerates an empty source (kernels before 5.1) and extra trailing fields", () => {
    expect(one("279 23 0:108 / /tmp/bb rw,relatime - tmpfs  rw")).toMatchObject({ fstype: "tmpfs", source: "", vfsOptions: "rw" })
    expect(one("251 15 0:3573 / /mnt/point rw,relatime - aufs none rw,unc=buggy but we cope")).toMatchObject({
      mountpoint: "/mnt/point",
      fstype: "aufs",
      source: "none",
      vfsOptions: "rw,unc=buggy"
    })
  })

  it("undoes octal escapes in root, mount point, fstype and source, not in super options", () => {
    const entry = one(
      "649 94 259:5 /tmp/newline\\012tab\\011space\\040backslash\\134quote1'quote2\" /mnt/a\\040b rw shared:47 - ext\\0634 /dev/x\\040y rw,x=\\040"
    )
    expect(entry.root).toBe("/tmp/newline\ntab\tspace backslash\\quote1'quote2\"")
    expect(entry.mountpoint).toBe("/mnt/a b")
    expect(entry.fstype).toBe("ext34")
    expect(entry.source).toBe("/dev/x y")
    expect(entry.vfsOptions).toBe("rw,x=\\040")
  })

  it("wraps an escape's value at a byte, as Go's byte arithmetic does", () => {
    expect(one("1 1 0:1 / /\\1345 rw - t s rw").mountpoint).toBe("/\\5")
    expect(one("1 1 0:1 / /a\\400b rw - t s rw").mountpoint).toBe("/a\u0000b")
  })

  it("decodes escaped UTF-8 bytes", () => {
    expect(one("1 1 0:1 / /caf\\303\\251 rw - t s rw").mountpoint).toBe("/caf\u00e9")
  })

  it("reads numbers leniently, like Atoi with the error ignored", () => {
    expect(one("x -3 a:b / /m rw - t s rw")).toMatchObject({ id: 0, parent: -3, major: 0, minor: 0 })
  })

  it("splits lines like bufio.Scanner: CRLF, a last line without newline, no trailing empty line", () => {
    const entries = parsed("1 1 0:1 / /a rw - t s rw\r\n2 1 0:1 / /b rw - t s rw\r")
    expect(entries.map((e) => [e.mountpoint, e.vfsOptions])).toEqual([["/a", "rw"], ["/b", "rw"]])
    expect(parsed("")).toEqual([])
    expect(parsed("1 1 0:1 / /a rw - t s rw\n")).toHaveLength(1)
  })

  it("fails with upstream's texts", () => {
    expect(failure("251 15 0:3573 / /mnt/point rw,relatime aufs none rw")).toBe(
      "parsing '251 15 0:3573 / /mnt/point rw,relatime aufs none rw' failed: not enough fields (9)"
    )
    expect(failure("251 15 0:3573 / /mnt/point rw,relatime shared:1 aufs none rw")).toBe(
      "parsing '251 15 0:3573 / /mnt/point rw,relatime shared:1 aufs none rw' failed: missing - separator"
    )
    expect(failure("251 15 0:3573 / /mnt/point rw,relatime some extra fields - aufs none")).toBe(
      "parsing '251 15 0:3573 / /mnt/point rw,relatime some extra fields - aufs none' failed: missing - separator"
    )
    expect(failure("1 1 0:1 / /a rw - t s rw\n\n2 1 0:1 / /b rw - t s rw")).toBe("parsing '' failed: not enough fields (1)")
    expect(failure("1 1 8 / /a rw - t s rw")).toBe("parsing '1 1 8 / /a rw - t s rw' failed: unexpected major:minor pair [8]")
    expect(failure("1 1 1:2:3:4 / /a rw - t s rw")).toBe(
      "parsing '1 1 1:2:3:4 / /a rw - t s rw' failed: unexpected major:minor pair [1 2 3:4]"
    )
  })

  it("fails on bad escapes, naming the field, with upstream's (mis)formatted texts", () => {
    expect(failure("1 1 0:1 / /a\\12 rw - t s rw")).toBe("parsing '/a\\12' failed: mount point: bad escape sequence \"\\\\12\": too short")
    expect(failure("1 1 0:1 / /a\\12x rw - t s rw")).toBe(
      "parsing '/a\\12x' failed: mount point: bad escape sequence \"\\\\12\": not a digit"
    )
    expect(failure("1 1 0:1 / /a\\x12 rw - t s rw")).toBe(
      "parsing '/a\\x12' failed: mount point: bad escape sequence %!q(MISSING): not a digit\\x1"
    )
    expect(failure("1 1 0:1 / /a\\%d1 rw - t s rw")).toBe(
      "parsing '/a\\%d1' failed: mount point: bad escape sequence %!q(MISSING): not a digit\\%!d(MISSING)"
    )
    expect(failure("1 1 0:1 \\\\\\\\ /a rw - t s rw")).toBe(
      "parsing '\\\\\\\\' failed: root: bad escape sequence %!q(MISSING): not a digit\\\\\\"
    )
    expect(failure("1 1 0:1 / /a rw - t\\9999 s rw")).toBe(
      "parsing 't\\9999' failed: fstype: bad escape sequence %!q(MISSING): not a digit\\99"
    )
    expect(failure("1 1 0:1 / /a rw - t s\\0 rw")).toBe("parsing 's\\0' failed: source: bad escape sequence \"\\\\0\": too short")
  })

  it("checks the mount point before the major:minor pair, as upstream does", () => {
    expect(failure("1 1 8 / /a\\1 rw - t s rw")).toBe("parsing '/a\\1' failed: mount point: bad escape sequence \"\\\\1\": too short")
  })

  it("stops at a line of 64 KiB or more", () => {
    const long = "1 1 0:1 / /" + "a".repeat(65536) + " rw - t s rw"
    expect(failure(long)).toBe("bufio.Scanner: token too long")
    expect(one("1 1 0:1 / /" + "a".repeat(65500) + " rw - t s rw").mountpoint).toHaveLength(65501)
  })

  it("filters like upstream: fstype, and first-of-type with stop", () => {
    expect(parsed(hybridHost, Mountinfo.fstypeFilter("cgroup")).map((e) => e.mountpoint)).toEqual([
      "/sys/fs/cgroup/systemd",
      "/sys/fs/cgroup/freezer"
    ])
    expect(parsed(hybridHost, Mountinfo.fstypeFilter("proc", "cgroup2")).map((e) => e.mountpoint)).toEqual([
      "/proc",
      "/sys/fs/cgroup/unified"
    ])
    expect(parsed(hybridHost, Mountinfo.firstOfType("resctrl")).map((e) => e.mountpoint)).toEqual(["/sys/fs/resctrl"])
    expect(parsed(hybridHost, Mountinfo.firstOfType("nfs"))).toEqual([])
  })

  it("never reads past a stop, so later garbage cannot fail the parse", () => {
    expect(parsed(hybridHost + "garbage\n", Mountinfo.firstOfType("resctrl"))).toHaveLength(1)
    expect(Either.isLeft(Mountinfo.parse(hybridHost + "garbage\n", Mountinfo.firstOfType("nfs")))).toBe(true)
  })

  it("parses this host's /proc/self/mountinfo", () => {
    const entries = parsed(readFileSync("/proc/self/mountinfo"))
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.some((e) => e.mountpoint === "/")).toBe(true)
  })

  it("property: escaped paths round-trip and arbitrary input never throws", () => {
    const escape = (s: string) => s.replace(/[ \t\n\\]/g, (c) => "\\" + c.charCodeAt(0).toString(8).padStart(3, "0"))
    const path = FastCheck.string({ unit: FastCheck.constantFrom("a", "/", " ", "\t", "\n", "\\", "\u00e9", "-", "x") })
    FastCheck.assert(
      FastCheck.property(path, path, (root, mountpoint) => {
        const entry = one(`1 2 3:4 ${escape(root)} ${escape(mountpoint)} rw shared:1 - fs src rw`)
        expect([entry.root, entry.mountpoint]).toEqual([root, mountpoint])
      })
    )
    FastCheck.assert(
      FastCheck.property(FastCheck.string(), (text) => {
        const result = Mountinfo.parse(text)
        return Either.isRight(result) || typeof result.left.message === "string"
      })
    )
  })
})
