/**
 * Property tests with the library's arbitraries, in @effect/vitest. Copy
 * this file into your own test folder; here test/examples.property.test.ts
 * imports it, so it runs in `npm test`.
 *
 * - `Config.arbitrary()` and `State.arbitrary()` make fast-check arbitraries
 *   of whole configs and states (uint64s beyond 2^53 included).
 * - `ContainerId.ContainerId` is a Schema of valid ids: `it.prop` takes it as
 *   is; inside fast-check combinators use `Arbitrary.make(ContainerId.ContainerId)`.
 */
// #region imports
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Stream from "effect/Stream"
import { Config, Container, ContainerId, Factory, Libcontainer, State } from "../src/index.js"
// #endregion imports

// #region json
describe("runc's JSON", () => {
  it.prop("a config survives encode then decode", [Config.arbitrary()], ([config]) => {
    const text = Either.getOrThrow(Config.encodeJson(config))
    expect(Either.getOrThrow(Config.decodeJson(text))).toEqual(config)
  }, { fastCheck: { numRuns: 50 } })

  it.prop("a state.json is written back byte for byte", [State.arbitrary()], ([state]) => {
    const text = Either.getOrThrow(State.encodeJson(state))
    const again = Either.getOrThrow(State.decodeJson(text))
    expect(Either.getOrThrow(State.encodeJson(again))).toBe(text)
  }, { fastCheck: { numRuns: 50 } })
})
// #endregion json

// #region factory
const configFor = (id: string) =>
  Config.make({
    rootfs: "/",
    namespaces: [{ type: "NEWNS", path: "" }, { type: "NEWPID", path: "" }],
    cgroups: Config.makeCgroup({ path: `/${id}`, Resources: Config.makeResources() })
  })

describe("Factory on a simulated host", () => {
  // Each run gets a fresh host: `Effect.provide(Libcontainer.layerMemory)` builds one per run.
  it.effect.prop("any valid id can be created, saved and loaded", [ContainerId.ContainerId], ([id]) =>
    Effect.gen(function*() {
      const created = yield* Factory.create("/run/runc", id, configFor(id))
      yield* Container.saveState(created)
      const loaded = yield* Factory.load("/run/runc", id)
      expect(loaded.id).toBe(id)
      expect(yield* Container.status(loaded)).toBe("stopped")
    }).pipe(Effect.provide(Libcontainer.layerMemory)))

  it.effect.prop(
    "list has every saved container, in byte order",
    [FastCheck.uniqueArray(Arbitrary.make(ContainerId.ContainerId), { maxLength: 5 })],
    ([ids]) =>
      Effect.gen(function*() {
        for (const id of ids) yield* Container.saveState(yield* Factory.create("/run/runc", id, configFor(id)))
        const listed = yield* Factory.list("/run/runc").pipe(
          Stream.map((entry) => entry.id),
          Stream.runCollect
        )
        expect([...listed]).toEqual([...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))))
      }).pipe(Effect.provide(Libcontainer.layerMemory)),
    { fastCheck: { numRuns: 30 } }
  )

  it.effect.prop(
    "any other id is ErrInvalidID, before anything touches the host",
    [FastCheck.string().filter((s) => !ContainerId.isValid(s))],
    ([id]) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Factory.create("/run/runc", id, configFor("x")))
        expect(error._tag).toBe("ErrInvalidID")
      }).pipe(Effect.provide(Libcontainer.layerMemory))
  )
})
// #endregion factory
