/**
 * The owner column of `runc list`: the user name of a uid from
 * `/etc/passwd`, or `#<uid>` when there is none (Go's `user.LookupId`
 * without cgo reads the same file).
 */

/** Parses `/etc/passwd` into uid → name (the first entry for a uid wins). */
export const parsePasswd = (text: string): ReadonlyMap<number, string> => {
  const names = new Map<number, string>()
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue
    const fields = line.split(":")
    const uid = Number(fields[2])
    if (fields.length >= 3 && fields[2] !== "" && Number.isInteger(uid) && !names.has(uid)) names.set(uid, fields[0] ?? "")
  }
  return names
}

/**
 * The most of `/etc/passwd` read: far above any real one; a larger file
 * (or an endless one, a symlink to `/dev/zero`) is not read, and owners are
 * then shown as `#<uid>`.
 */
export const maxPasswdBytes = 16 * 1024 * 1024

/**
 * A lookup from uid to owner name. `/etc/passwd` is read (through `read`,
 * the Filesystem port's direct `readFile`) at the first lookup and only
 * then, so listing an empty root reads nothing; a file that cannot be read
 * names every owner `#<uid>`.
 */
export const makeLookup = (read: (path: string, maxBytes: number) => Uint8Array | string): (uid: number) => string => {
  let names: ReadonlyMap<number, string> | undefined
  return (uid) => {
    if (names === undefined) {
      const content = read("/etc/passwd", maxPasswdBytes)
      names = typeof content === "string" ? new Map() : parsePasswd(new TextDecoder().decode(content))
    }
    return names.get(uid) ?? `#${uid}`
  }
}
