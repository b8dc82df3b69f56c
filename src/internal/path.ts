/**
 * Lexical path handling with Go's `path/filepath` semantics on POSIX, which
 * runc and filepath-securejoin rely on. Node's `path.posix.normalize` is not
 * the same (it keeps a trailing slash), so the rules are implemented here.
 */

/**
 * Go's `filepath.Clean`: the shortest path lexically equal to `path`. Runs of
 * `/` collapse, `.` elements go, `x/..` pairs cancel, `..` right after the
 * root is dropped, a relative path keeps its leading `..`s, there is no
 * trailing `/` except for `/` itself, and an empty result is `.`.
 */
export const clean = (path: string): string => {
  if (path === "") return "."
  if (isClean(path)) return path
  const rooted = path.startsWith("/")
  const kept: Array<string> = []
  for (const element of path.split("/")) {
    if (element === "" || element === ".") continue
    if (element === "..") {
      if (kept.length > 0 && kept[kept.length - 1] !== "..") kept.pop()
      else if (!rooted) kept.push("..")
      continue
    }
    kept.push(element)
  }
  const joined = kept.join("/")
  if (rooted) return "/" + joined
  return joined === "" ? "." : joined
}

/**
 * Whether `path` is its own {@link clean}: no empty, `.` or `..` element
 * (a leading `/` aside), no trailing `/` but for `/` itself. One pass over
 * the characters; a path it is unsure about (`../a`, which is clean) is
 * simply cleaned the long way.
 */
const isClean = (path: string): boolean => {
  const n = path.length
  let start = path.charCodeAt(0) === 0x2f ? 1 : 0
  if (start === n) return true
  for (let i = start; i <= n; i++) {
    if (i < n && path.charCodeAt(i) !== 0x2f) continue
    const length = i - start
    if (length === 0) return false
    if (path.charCodeAt(start) === 0x2e && (length === 1 || (length === 2 && path.charCodeAt(start + 1) === 0x2e))) return false
    start = i + 1
  }
  return true
}

/**
 * Go's `filepath.Join` for two elements: empty elements are ignored, the rest
 * are joined with `/` and cleaned. Two empty elements give `""`.
 */
export const join = (dir: string, name: string): string => {
  if (dir === "") return name === "" ? "" : clean(name)
  if (name === "") return clean(dir)
  return clean(`${dir}/${name}`)
}

/**
 * How a scoped open (`openat2(RESOLVE_IN_ROOT)`) names its target in errors:
 * the root, one `/`, and the unsafe path as given. Every layer uses it, so
 * their messages match.
 */
export const inRootDisplayPath = (root: string, unsafePath: string): string =>
  `${root.replace(/\/+$/, "")}/${unsafePath.replace(/^\/+/, "")}`
