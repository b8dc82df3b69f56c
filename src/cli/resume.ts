/** `resume <id>`: runc's `Resume()` on the container (thaws its cgroup). */
import * as Effect from "effect/Effect"
import * as Container from "../Container.js"
import { type Context, load, warnIfRootless } from "./command.js"

/** `resume` as runc 1.1.5 runs it: the rootless warning, then load and resume. */
export const command = ({ run }: Context) =>
  Effect.gen(function*() {
    yield* warnIfRootless(run, "resume")
    yield* Container.resume(yield* load(run))
  })
