/** `kill <id> [signal]`: runc's `Signal()` on the container's init process, or on all of its processes. */
import * as Effect from "effect/Effect"
import * as Container from "../Container.js"
import * as Signal from "../Signal.js"
import { boolFlag, type Context, load } from "./command.js"

/** `kill` as runc 1.1.5 runs it. */
export const command = ({ run }: Context) =>
  Effect.gen(function*() {
    // runc loads the container before it looks at the signal; a missing or empty signal is SIGTERM
    const container = yield* load(run)
    const number = yield* Signal.parseKillArgument(run.args[1])
    yield* Container.signal(container, number, { all: boolFlag(run, "all") })
  })
