/**
 * `delete [-f] <id>`: runc's `Destroy()` of a stopped (or, forced, any)
 * container, and what runc 1.1.5's CLI does around it — a bare state dir
 * left by a dead create is removed, a failed destroy is logged and the rest
 * removed anyway.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Container from "../Container.js"
import * as ContainerError from "../ContainerError.js"
import { Filesystem } from "../Filesystem.js"
import { boolFlag, type Context, load } from "./command.js"

/** What a failed destroy said, and whether it carries on, in runc 1.1.5's `destroy(c)`. */
const unfinished = (error: Container.DestroyError): "rdt and state dir" | "state dir" | undefined =>
  error._tag === "CgroupRemovalFailed" ? "rdt and state dir" : error._tag === "IntelRdtRemovalFailed" ? "state dir" : undefined

/**
 * What runc's CLI does when destroying the container fails (its `destroy`
 * helper): the error is logged and the delete still succeeds. runc 1.1.5's
 * `destroy` goes on past a cgroup or Intel RDT group that cannot be
 * removed, so the state directory goes anyway and the container is no
 * longer listed; the library stops at the first failure (runc 1.2's
 * order), so the rest is done here. The logged text is the failing step's
 * own error, as runc 1.1.5 logs it (poststop hooks are not run after such a
 * failure).
 */
const finishDestroy = (container: Container.Container, failure: Container.DestroyError) =>
  Effect.gen(function*() {
    const left = unfinished(failure)
    const removal = failure._tag === "CgroupRemovalFailed" || failure._tag === "IntelRdtRemovalFailed" ? failure : undefined
    yield* Effect.logError(removal !== undefined ? removal.cause.message : ContainerError.ownMessage(failure))
    if (left === undefined) return
    if (left === "rdt and state dir" && Option.isSome(container.intelRdtManager)) {
      yield* Effect.ignore(container.intelRdtManager.value.destroy)
    }
    const fs = yield* Filesystem
    yield* Effect.ignore(fs.removeAll(container.stateDir))
  })

/** Whether `remove` failed in its destroy (runc's `unable to destroy container: …`), not before it. */
const failedToDestroy = (error: Container.RemoveError): error is Container.DestroyError =>
  ContainerError.contextOf(error).includes(destroyContext)

const destroyContext = "unable to destroy container"

/** `delete [-f] <id>` as runc 1.1.5 runs it. */
export const command = ({ out, run }: Context) =>
  Effect.gen(function*() {
    const force = boolFlag(run, "force")
    const id = run.args[0] ?? ""
    const loaded = yield* load(run).pipe(
      Effect.map(Option.some),
      Effect.catchTag("ErrNotExist", (error) =>
        Effect.gen(function*() {
          // A create that died before writing state.json leaves a bare state dir: runc removes it.
          const fs = yield* Filesystem
          const path = `${run.globals.root}/${id}`
          yield* fs.removeAll(path).pipe(
            Effect.catchAll((e) => Effect.sync(() => out.stderr(`remove ${path}: ${e.message}\n`)))
          )
          return force ? Option.none<Container.Container>() : yield* Effect.fail(error)
        }))
    )
    if (Option.isNone(loaded)) return
    const container = loaded.value
    yield* Container.remove(container, { force }).pipe(
      Effect.catchIf(failedToDestroy, (failure) => finishDestroy(container, failure))
    )
  })

