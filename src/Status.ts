/**
 * A container's status (runc's `libcontainer.Status`), its text, and what
 * each status allows — the predicates youki keeps next to its
 * `ContainerStatus` (`can_start`, `can_kill`, …), with runc's rules.
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

/** `runc start` (`exec.fifo` still there): only a created container starts. */
export const canStart = (status: Status): boolean => status === "created"

/** runc's `Pause()`: a running or a created container can be paused; anything else is `container not running`. */
export const canPause = (status: Status): boolean => status === "running" || status === "created"

/** runc's `Resume()`: only a paused container resumes; anything else is `container not paused`. */
export const canResume = (status: Status): boolean => status === "paused"

/** `runc exec`: only a running container takes another process. */
export const canExec = (status: Status): boolean => status === "running"

/** `runc kill`: a container with an init process (created, running or paused) can be signalled. */
export const canKill = (status: Status): boolean => status !== "stopped"

/**
 * `runc delete` without `--force`: a stopped container is destroyed, a
 * created one is killed first; a running or paused one needs `--force`.
 */
export const canDelete = (status: Status): boolean => status === "stopped" || status === "created"
