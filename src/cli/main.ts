/**
 * The `libcontainer` executable: {@link App.run} on this host's real
 * services, writing to the process's stdout and stderr and exiting with the
 * status it returns (1 after runc's error line).
 *
 * Only the three platform services @effect/cli needs are provided (not
 * `NodeContext`, whose worker and command-executor layers cost start-up time
 * for nothing), and koffi stays unloaded until a system call needs it.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Libcontainer from "../Libcontainer.js"
import * as App from "./app.js"

const output: App.Output = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text)
}

const services = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer, Libcontainer.layerNode)

Effect.runPromise(App.run(process.argv, output).pipe(Effect.provide(services))).then(
  (status) => {
    process.exitCode = status
  },
  (error: unknown) => {
    // Only a failure to build the services lands here; still one line, never a stack trace.
    process.stderr.write(App.errorLine(error instanceof Error ? error.message : String(error)))
    process.exitCode = 1
  }
)
