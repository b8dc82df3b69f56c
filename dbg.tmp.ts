import * as Effect from "effect/Effect"
import { start } from "./src/internal/runtime/execFifo.js"
const host = {
  openBlocking: () => Effect.succeed({ readAll: Effect.succeed(new Uint8Array([48])), close: Effect.void }),
  openNonBlocking: () => Effect.succeed({ readAll: Effect.succeed(new Uint8Array()), close: Effect.void }),
  processState: () => Effect.succeed("alive" as const),
  remove: () => Effect.log("removed")
}
console.log("before")
Effect.runPromise(start(host, { stateDir: "/x", pid: 1, status: "created" })).then(() => console.log("done"), (e) => console.log("err", e))
