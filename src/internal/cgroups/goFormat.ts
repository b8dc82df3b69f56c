/**
 * The two Go `fmt` renderings that reach runc's cgroup messages: a
 * `map[string]string` (`%v` / `%+v`: `map[k:v …]`, keys sorted) and `%+v` of
 * a `*configs.Cgroup` (fs2's "either Path or Name and Parent" error).
 */
import type { Cgroup } from "../../Config.js"
import { compareBytes } from "../byteOrder.js"

/** `fmt.Sprintf("%v", m)` of a `map[string]string`: `map[a:/x b:/y]`, `map[]` when empty. */
export const goMap = (map: Readonly<Record<string, string>>): string =>
  `map[${Object.keys(map).sort(compareBytes).map((k) => `${k}:${map[k]}`).join(" ")}]`

/**
 * Stand-in for the heap address Go prints for a non-nil pointer field (the
 * embedded `*Resources`, `OwnerUID`); the real value differs per run.
 */
export const pointerPlaceholder = "0xc000010000"

/**
 * `fmt.Sprintf("%+v", cg)` of runc's `*configs.Cgroup` (1.1.5 and 1.2 alike): fields in
 * declaration order, strings unquoted, nil pointers `<nil>`, the never
 * serialised `SystemdProps` as an empty slice.
 */
export const goCgroup = (cg: Cgroup): string => {
  const resources = cg.Resources === undefined ? "<nil>" : pointerPlaceholder
  const owner = cg.owner_uid === undefined ? "<nil>" : pointerPlaceholder
  return `&{Name:${cg.name ?? ""} Parent:${cg.parent ?? ""} Path:${cg.path} ScopePrefix:${cg.scope_prefix} ` +
    `Resources:${resources} Systemd:${cg.Systemd} SystemdProps:[] Rootless:${cg.Rootless} OwnerUID:${owner}}`
}
