/**
 * A container's status (runc's `libcontainer.Status`) and its text.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** The four statuses, in runc's numeric order (created 0 … stopped 3). */
export const statuses = ["created", "running", "paused", "stopped"] as const

/** `created`, `running`, `paused` or `stopped`, as runc prints them. */
export const Status = Schema.Literal(...statuses)
/** @category model */
export type Status = Schema.Schema.Type<typeof Status>

/** runc's numeric value of a status (`Created` = 0 … `Stopped` = 3). */
export const toNumber = (status: Status): number => statuses.indexOf(status)

/** runc's `Status.String()`: the name, or `unknown` for any other number. */
export const fromNumber = (n: number): Status | "unknown" => statuses[n] ?? "unknown"
