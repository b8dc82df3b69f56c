/**
 * The `libcontainer` executable: the CLI of `app.ts` on this host's real
 * services. Errors print as one line on stderr, in the form runc prints
 * them, and exit with status 1.
 */
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Libcontainer from "../Libcontainer.js"
import * as App from "./app.js"

const output: App.Output = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text)
}

const cli = Command.run(App.command(output), { name: "libcontainer", version: App.version })

const program = cli(process.argv).pipe(
  Effect.provide(Layer.mergeAll(NodeContext.layer, Libcontainer.layerNode))
)

Effect.runPromiseExit(program).then((exit) => {
  if (Exit.isSuccess(exit)) return
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") {
    const error = failure.value as { readonly _tag?: string; readonly message?: string }
    // @effect/cli has already shown the usage problem for a ValidationError.
    if (error._tag !== undefined && !/^(CommandMismatch|CorrectedFlag|HelpRequested|InvalidArgument|InvalidValue|MissingValue|MissingFlag|MultipleValuesDetected|MissingSubcommand|NoBuiltInMatch|UnclusteredFlag)$/.test(error._tag)) {
      process.stderr.write(App.errorLine(error.message ?? String(error)))
    }
  } else {
    process.stderr.write(App.errorLine(Cause.pretty(exit.cause).split("\n")[0] ?? "unexpected failure"))
  }
  process.exitCode = 1
})
