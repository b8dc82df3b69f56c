/** `pause <id>`: runc's `Pause()` on the container (freezes its cgroup). */
import * as Effect from "effect/Effect"
import * as Container from "../Container.js"
import { type Context, load, warnIfRootless } from "./command.js"

/** `pause` as runc 1.1.5 runs it: the rootless warning, then load and pause. */
export const command = ({ run }: Context) =>
  Effect.gen(function*() {
    yield* warnIfRootless(run, "pause")
    yield* Container.pause(yield* load(run))
  })
