/**
 * `/proc/<pid>/mountinfo` parsing with the behaviour of moby/sys/mountinfo
 * v0.6.2, the version runc vendors (`mountinfo_linux.go`): lines split on single
 * spaces, the `-` separator searched from the right, octal escapes undone in
 * root, mount point, fstype and source, and the same error texts — including
 * the two that upstream formats wrongly (`%!q(MISSING)`).
 *
 * The input is treated as bytes, as Go does; fields are returned decoded as
 * UTF-8.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Strconv from "./strconv.js"

/**
 * The most of a mountinfo file the library reads: 64 MiB, a few hundred
 * thousand mounts. A bigger one is `read <path>: file too large`.
 */
export const maxBytes = 64 * 1024 * 1024

/** One mount, as `mountinfo.Info` holds it. */
export interface MountInfo {
  /** Mount ID (a parse failure gives 0, as upstream ignores it). */
  readonly id: number
  readonly parent: number
  readonly major: number
  readonly minor: number
  /** The directory of the filesystem that forms the root of this mount (unescaped). */
  readonly root: string
  /** Where it is mounted, relative to the process's root (unescaped). */
  readonly mountpoint: string
  /** Per-mount options, e.g. `rw,nosuid`. */
  readonly options: string
  /** Optional fields (`shared:1 master:2`), joined by a space; empty when none. */
  readonly optional: string
  /** Filesystem type, e.g. `cgroup2` (unescaped). */
  readonly fstype: string
  /** Mount source (unescaped). */
  readonly source: string
  /** Superblock options (left escaped, as upstream does). */
  readonly vfsOptions: string
}

/** A filter's verdict on one entry: leave it out (`skip`), and/or stop after it (`stop`). */
export interface FilterVerdict {
  readonly skip: boolean
  readonly stop: boolean
}

/** Decides per parsed entry; runs after the whole line has parsed, like upstream's `FilterFunc`. */
export type Filter = (info: MountInfo) => FilterVerdict

/** Keeps entries whose fstype is one of `types` (upstream's `FSTypeFilter`). */
export const fstypeFilter = (...types: ReadonlyArray<string>): Filter => (info) => ({
  skip: !types.includes(info.fstype),
  stop: false
})

/** Keeps only the first entry of the given fstype and stops there (how runc finds resctrl). */
export const firstOfType = (fstype: string): Filter => (info) =>
  info.fstype === fstype ? { skip: false, stop: true } : { skip: true, stop: false }

/** The text of a mountinfo parse failure; `message` is upstream's error string. */
export class MountinfoParseError extends Data.TaggedError("MountinfoParseError")<{
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/** bufio.Scanner's default `MaxScanTokenSize`: a longer line stops the scan. */
const maxLine = 64 * 1024

/** Bytes to a one-char-per-byte string, so indexes are byte offsets as in Go. */
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1")

/** A byte string back to text, decoding its bytes as UTF-8. */
const utf8 = (byteString: string): string => Buffer.from(byteString, "latin1").toString("utf8")

/**
 * Go's fmt output for a format string given no arguments: every verb
 * becomes `%!<verb>(MISSING)`, `%%` a `%`, and a trailing `%` (or flags with
 * no verb) `%!(NOVERB)`. Only needed because upstream concatenates escape
 * text into two of its format strings.
 */
const formatWithoutArguments = (format: string): string => {
  let out = ""
  let i = 0
  while (i < format.length) {
    const c = format[i]!
    if (c !== "%") {
      out += c
      i++
      continue
    }
    i++
    while (i < format.length && "+-# 0123456789.".includes(format[i]!)) i++
    if (i >= format.length) {
      out += "%!(NOVERB)"
      break
    }
    const verb = format[i]!
    out += verb === "%" ? "%" : `%!${verb}(MISSING)`
    i++
  }
  return out
}

/**
 * Undoes `\NNN` octal escapes (upstream `unescape`). Each digit group is
 * accumulated in a byte, so `\400` wraps to 0 as it does in Go.
 */
const unescape = (field: string): Either.Either<string, string> => {
  if (!field.includes("\\")) return Either.right(field)
  let out = ""
  for (let i = 0; i < field.length; i++) {
    if (field[i] !== "\\") {
      out += field[i]
      continue
    }
    const rest = field.slice(i)
    if (rest.length < 4) return Either.left(`bad escape sequence ${Strconv.quote(Buffer.from(rest, "latin1"))}: too short`)
    const isOctal = (ch: string): boolean => ch >= "0" && ch <= "7"
    if (!isOctal(rest[1]!)) return Either.left(formatWithoutArguments("bad escape sequence %q: not a digit" + rest.slice(0, 3)))
    let value = rest.charCodeAt(1) - 0x30
    for (let j = 2; j < 4; j++) {
      if (!isOctal(rest[j]!)) {
        return Either.left(`bad escape sequence ${Strconv.quote(Buffer.from(rest.slice(0, 3), "latin1"))}: not a digit`)
      }
      value = ((value << 3) | (rest.charCodeAt(j) - 0x30)) & 0xff
    }
    out += String.fromCharCode(value)
    i += 3
  }
  return Either.right(out)
}

/** Go `strconv.Atoi` with the error ignored: the value Go returns (0 on syntax errors, clamped on range). */
const lenientInt = (s: string): number => {
  const parsed = Strconv.atoi(s)
  return parsed._tag === "Ok" || parsed.kind === "range" ? Number(parsed.value) : 0
}

/** Go's `%s` of a `[]string`: `[a b c]`. */
const formatList = (parts: ReadonlyArray<string>): string => `[${parts.join(" ")}]`

/** Go's `strings.SplitN(s, sep, n)` for n > 0. */
const splitN = (s: string, sep: string, n: number): Array<string> => {
  const parts = s.split(sep)
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)]
}

const parseLine = (text: string): Either.Either<MountInfo, MountinfoParseError> => {
  const fail = (reason: string) => Either.left(new MountinfoParseError({ reason: utf8(reason) }))
  const fields = text.split(" ")
  const n = fields.length
  if (n < 10) return fail(`parsing '${text}' failed: not enough fields (${n})`)
  let sep = n - 4
  while (fields[sep] !== "-") {
    sep--
    if (sep === 5) return fail(`parsing '${text}' failed: missing - separator`)
  }
  const field = (i: number): string => fields[i]!
  const mountpoint = unescape(field(4))
  if (Either.isLeft(mountpoint)) return fail(`parsing '${field(4)}' failed: mount point: ${mountpoint.left}`)
  const fstype = unescape(field(sep + 1))
  if (Either.isLeft(fstype)) return fail(`parsing '${field(sep + 1)}' failed: fstype: ${fstype.left}`)
  const source = unescape(field(sep + 2))
  if (Either.isLeft(source)) return fail(`parsing '${field(sep + 2)}' failed: source: ${source.left}`)
  const majorMinor = splitN(field(2), ":", 3)
  if (majorMinor.length !== 2) {
    return fail(`parsing '${text}' failed: unexpected major:minor pair ${formatList(majorMinor)}`)
  }
  const root = unescape(field(3))
  if (Either.isLeft(root)) return fail(`parsing '${field(3)}' failed: root: ${root.left}`)
  return Either.right({
    id: lenientInt(field(0)),
    parent: lenientInt(field(1)),
    major: lenientInt(majorMinor[0]!),
    minor: lenientInt(majorMinor[1]!),
    root: utf8(root.right),
    mountpoint: utf8(mountpoint.right),
    options: utf8(field(5)),
    optional: utf8(fields.slice(6, sep).join(" ")),
    fstype: utf8(fstype.right),
    source: utf8(source.right),
    vfsOptions: utf8(field(sep + 3))
  })
}

/**
 * Parses mountinfo content (upstream `GetMountsFromReader`). Lines are what
 * Go's `bufio.Scanner` yields: split on `\n`, one trailing `\r` dropped from each, no
 * final empty line; an empty line in between is an error (`not enough
 * fields (1)`), and a line of 64 KiB or more stops with
 * `bufio.Scanner: token too long`. Lines after a filter's `stop` are never
 * read, so they cannot fail the parse.
 */
export const parse = (
  content: string | Uint8Array,
  filter?: Filter
): Either.Either<ReadonlyArray<MountInfo>, MountinfoParseError> => {
  const data = latin1(Strconv.bytesOf(content))
  const out: Array<MountInfo> = []
  let start = 0
  while (start < data.length) {
    const newline = data.indexOf("\n", start)
    const end = newline < 0 ? data.length : newline
    if (end - start >= maxLine) return Either.left(new MountinfoParseError({ reason: "bufio.Scanner: token too long" }))
    let line = data.slice(start, end)
    if (line.endsWith("\r")) line = line.slice(0, -1)
    start = end + 1
    const info = parseLine(line)
    if (Either.isLeft(info)) return Either.left(info.left)
    const verdict = filter?.(info.right) ?? { skip: false, stop: false }
    if (verdict.skip) continue
    out.push(info.right)
    if (verdict.stop) break
  }
  return Either.right(out)
}
