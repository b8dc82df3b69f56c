/**
 * How a container is shown: the OCI state `runc state` and `runc list`
 * print (Go's JSON, runc's key order, sorted annotations), the state hooks
 * get on stdin (the runtime-spec's `specs.State`, marshalled as Go's
 * `encoding/json` does), and runc's `utils.Annotations` split of the labels.
 */
import * as Option from "effect/Option"
import { compareBytes } from "../internal/byteOrder.js"
import { OrderedObject, quote, setOwn, stringify, stringifyIndent } from "../internal/json/GoJson.js"
import type { Status } from "../Status.js"
import type { Model } from "./model.js"

/**
 * The runtime-spec version this library reports in the OCI state and to
 * hooks: runc 1.1.5's vendored `specs.Version` (runtime-spec `1.0.2-dev`).
 */
export const specVersion = "1.0.2-dev"

/**
 * Labels split as runc's `utils.Annotations`: `bundle=` gives the bundle
 * (the last one wins), every other `key=value` an annotation (later
 * duplicates win); labels without `=` are skipped.
 */
export const annotations = (
  labels: ReadonlyArray<string> | null
): { readonly bundle: string; readonly annotations: Readonly<Record<string, string>> } => {
  let bundle = ""
  const out: Record<string, string> = {}
  for (const label of labels ?? []) {
    const eq = label.indexOf("=")
    if (eq < 0) continue
    const key = label.slice(0, eq)
    const value = label.slice(eq + 1)
    if (key === "bundle") bundle = value
    else setOwn(out, key, value)
  }
  return { bundle, annotations: out }
}

/** What `runc state` prints for a container (runc's `containerState` in `state.go`); `owner` is filled by `runc list`. */
export interface OciState {
  readonly ociVersion: string
  readonly id: string
  /** The init pid, `0` when stopped. */
  readonly pid: number
  readonly status: Status
  readonly bundle: string
  readonly rootfs: string
  readonly created: string
  /** Absent when there are none, as runc omits the key. */
  readonly annotations?: Readonly<Record<string, string>>
  readonly owner: string
}

/**
 * @internal
 * The `runc state` record of a container for a given status: the saved
 * version, id, pid (`0` when stopped), bundle and annotations from the
 * labels, rootfs and creation time.
 */
export const ociStateOf = (id: string, model: Model, status: Status, owner = ""): OciState => {
  const { annotations: extra, bundle } = annotations(model.config.labels)
  const init = Option.getOrUndefined(model.initProcess)
  return {
    ociVersion: model.config.version,
    id,
    pid: status === "stopped" ? 0 : init?.pid ?? -1,
    status,
    bundle,
    rootfs: model.config.rootfs,
    created: model.created,
    ...(Object.keys(extra).length > 0 ? { annotations: extra } : {}),
    owner
  }
}

/**
 * Annotations as Go writes a `map[string]string`: keys in byte order — as an
 * {@link OrderedObject}, since a record would put integer-like keys (`"10"`)
 * first whatever their order.
 */
const sortedAnnotations = (r: Readonly<Record<string, string>>): OrderedObject => {
  const keys = Object.keys(r).sort(compareBytes)
  return new OrderedObject(keys, keys.map((k) => r[k]!))
}

/**
 * @internal
 * The value Go's encoder writes for runc's `containerState`: its fields in
 * runc's order, annotations sorted (what {@link formatOciState} indents).
 */
export const ociStateValue = (s: OciState) => ({
  ociVersion: s.ociVersion,
  id: s.id,
  pid: s.pid,
  status: s.status,
  bundle: s.bundle,
  rootfs: s.rootfs,
  created: s.created,
  ...(s.annotations !== undefined && Object.keys(s.annotations).length > 0
    ? { annotations: sortedAnnotations(s.annotations) }
    : {}),
  owner: s.owner
})

/** An {@link OciState} as `runc state` prints it: Go's indented JSON, keys in runc's order, annotations sorted. */
export const formatOciState = (s: OciState): string => stringifyIndent(ociStateValue(s))

/**
 * An {@link OciState} as one element of `runc list --format json`: compact,
 * same key order — what `json.Marshal` of runc's `containerState` writes,
 * put together directly, as `list` writes one per container.
 */
export const formatOciStateCompact = (s: OciState): string => {
  let out = `{"ociVersion":${quote(s.ociVersion)},"id":${quote(s.id)},"pid":${s.pid},"status":${quote(s.status)},"bundle":${
    quote(s.bundle)
  },"rootfs":${quote(s.rootfs)},"created":${quote(s.created)}`
  const extra = s.annotations === undefined ? undefined : sortedAnnotations(s.annotations)
  if (extra !== undefined && extra.keys.length > 0) {
    out += `,"annotations":{`
    extra.keys.forEach((key, i) => {
      out += `${i === 0 ? "" : ","}${quote(key)}:${quote(extra.values[i] as string)}`
    })
    out += "}"
  }
  return `${out},"owner":${quote(s.owner)}}`
}

/**
 * @internal
 * The state a hook reads on stdin: runc's `currentOCIState` with the
 * status the hook list runs for, as `json.Marshal` writes the runtime-spec's
 * `specs.State` — `ociVersion`, `id`, `status`, `pid` (omitted when 0, as
 * for a stopped container), `bundle`, `annotations` (omitted when empty,
 * keys sorted), with Go's escaping of `<`, `>` and `&`.
 */
export const hookState = (id: string, model: Model, status: Status): string => {
  const { annotations: extra, bundle } = annotations(model.config.labels)
  const pid = status === "stopped" ? 0 : Option.getOrUndefined(model.initProcess)?.pid ?? 0
  return stringify({
    ociVersion: specVersion,
    id,
    status,
    ...(pid !== 0 ? { pid } : {}),
    bundle,
    ...(Object.keys(extra).length > 0 ? { annotations: sortedAnnotations(extra) } : {})
  })
}
