/**
 * Go's `%+v` rendering of a `*configs.Mount`, which runc embeds in its mount
 * messages (`mountsStrict` in `libcontainer/configs/validate/validator.go`): fields in declaration order, strings raw, nil
 * pointers `<nil>`, nil or empty slices `[]`, integers in decimal. A non-nil
 * `RecAttr` prints as a heap address in Go; it renders as the same fixed
 * placeholder the cgroup rendering uses.
 */
import type { IDMap, Mount } from "../../Config.js"
import { pointerPlaceholder } from "../cgroups/goFormat.js"

export {
  /** `%+v` of a `*configs.Cgroup`, as `cgroupsCheck` prints it. */
  goCgroup as cgroup
} from "../cgroups/goFormat.js"

const list = <A>(items: ReadonlyArray<A> | null | undefined, render: (item: A) => string): string =>
  `[${(items ?? []).map(render).join(" ")}]`

const idMap = (m: IDMap): string => `{ContainerID:${m.container_id} HostID:${m.host_id} Size:${m.size}}`

/** `%+v` of a `*configs.Mount`. */
export const mount = (m: Mount): string =>
  `&{Source:${m.source} Destination:${m.destination} Device:${m.device} Flags:${m.flags} ` +
  `ClearedFlags:${m.cleared_flags} PropagationFlags:${list(m.propagation_flags, String)} Data:${m.data} ` +
  `Relabel:${m.relabel} RecAttr:${m.rec_attr === null ? "<nil>" : pointerPlaceholder} Extensions:${m.extensions} ` +
  `UIDMappings:${list(m.uid_mappings, idMap)} GIDMappings:${list(m.gid_mappings, idMap)}}`

/**
 * `%+v` of runc 1.1.5's `*configs.Mount` (`libcontainer/configs/mount.go`
 * at v1.1.5): no `ClearedFlags` and no id mappings yet, and the
 * `PremountCmds`/`PostmountCmds` lists, which this library's config does
 * not carry (always `[]`).
 */
export const mountRunc115 = (m: Mount): string =>
  `&{Source:${m.source} Destination:${m.destination} Device:${m.device} Flags:${m.flags} ` +
  `PropagationFlags:${list(m.propagation_flags, String)} Data:${m.data} Relabel:${m.relabel} ` +
  `RecAttr:${m.rec_attr === null ? "<nil>" : pointerPlaceholder} Extensions:${m.extensions} PremountCmds:[] PostmountCmds:[]}`
