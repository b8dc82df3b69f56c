/**
 * runc's JSON: decoding a state.json with Go's rules, writing it back byte
 * for byte, 64-bit values as bigints, decode failures as typed errors, and
 * validating a config as runc's `validate.Validate` does.
 *
 *   npx tsx examples/json.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { Config, Libcontainer, State, Validate } from "../src/index.js"

// #region decode
// Keys match case-insensitively, unknown keys are ignored, missing ones are
// Go's zero values; an rlimit of 2^64-1 (RLIM_INFINITY) is a bigint.
const text = `{"ID":"web","init_process_pid":4242,"unknown":true,
  "config":{"rootfs":"/srv/web/rootfs","rlimits":[{"type":7,"hard":18446744073709551615,"soft":1024}]}}`

const decoded = Effect.gen(function*() {
  const state = yield* State.decodeJson(text) // Either: yieldable in Effect.gen
  yield* Console.log(state.id, state.init_process_pid, state.config.rlimits?.[0]?.hard) // web 4242 18446744073709551615n
  const written = yield* State.encodeJson(state) // what runc would write
  yield* Console.log(written.slice(0, written.indexOf(`,"config"`))) // runc's key order, zero values filled in
})
// #endregion decode

// #region decode-errors
const failures = Effect.forEach(
  ["null", `{"init_process_pid":"4242"}`, `{"id":"web",`],
  (bad) =>
    Either.match(State.decodeJson(bad), {
      onLeft: (e) => Console.log(`${e._tag} at ${JSON.stringify(e.field)}: ${e.message}`),
      onRight: () => Console.log("decoded")
    })
)
// #endregion decode-errors

// #region validate
// Validation reads host facts (namespace files, the rootfs, the cgroup mode)
// through the services, so it runs on either layer.
const validation = Effect.gen(function*() {
  const config = Config.make({
    rootfs: "/",
    namespaces: [{ type: "NEWNS", path: "" }],
    sysctl: { "net.ipv4.ip_forward": "1" }
  })
  yield* Validate.validate(config).pipe(
    Effect.catchTag("ConfigInvalid", (e) => Console.log(`invalid (${e.check}): ${e.message}`))
  )
})
// #endregion validate

export const program = Effect.gen(function*() {
  yield* decoded
  yield* failures
  yield* validation
})

if (process.argv[1] === import.meta.filename) {
  NodeRuntime.runMain(program.pipe(Effect.provide(Libcontainer.layerMemory)))
}
