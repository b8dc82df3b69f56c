/**
 * The `org.systemd.property.*` annotations runc 1.1.5 turns into unit
 * properties when it drives cgroups through systemd (`specconv`
 * `initSystemdProps`). The properties go to systemd over D-Bus and are not
 * saved in state.json, so only the checks matter here: the name check with
 * runc's texts. The value is GVariant text parsed by godbus's
 * `ParseVariant`; a value it refuses is left for the runtime to report.
 */
import * as Effect from "effect/Effect"
import { compareBytes } from "../byteOrder.js"
import { SpecInvalid } from "./errors.js"

/** The annotation prefix runc reads systemd properties from. */
export const systemdPropertyPrefix = "org.systemd.property."

const utf8 = new TextEncoder()

/** runc's `checkPropertyName`: at least 3 bytes, ASCII letters only. */
export const checkPropertyName = (name: string): string | undefined => {
  if (utf8.encode(name).length < 3) return "too short"
  for (const ch of name) {
    const c = ch.codePointAt(0)!
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return "contains non-alphabetic character"
  }
  return undefined
}

/**
 * runc's `initSystemdProps` checks, in key order (runc walks the map in
 * Go's random order, so with several bad names which one it reports varies).
 */
export const initSystemdProps = (annotations: Readonly<Record<string, string>>): Effect.Effect<void, SpecInvalid> =>
  Effect.suspend(() => {
    for (const key of Object.keys(annotations).sort(compareBytes)) {
      if (!key.startsWith(systemdPropertyPrefix)) continue
      const reason = checkPropertyName(key.slice(systemdPropertyPrefix.length))
      if (reason !== undefined) return Effect.fail(new SpecInvalid({ message: `annotation ${key} name incorrect: ${reason}` }))
    }
    return Effect.void
  })
