/**
 * The saved state of a container, `<root>/<id>/state.json` (runc's
 * `libcontainer.State`), with the JSON key names as property names.
 *
 * {@link decodeJson} reads what runc 1.1.5 and runc 1.2 write — unknown keys are ignored, missing ones are zero — with
 * Go's rules; {@link encodeJson} writes the bytes runc writes.
 *
 * @since 0.1.0
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import type * as FastCheck from "effect/FastCheck"
import type * as Schema from "effect/Schema"
import * as Config from "./Config.js"
import type { JsonDecodeError, JsonEncodeError } from "./ContainerError.js"
import { decodeDocument, encodeDocument } from "./internal/json/GoDecode.js"
import { stringify } from "./internal/json/GoJson.js"
import { fromType, zeroOf, zeroTime } from "./internal/json/GoSchema.js"
import * as Types from "./internal/runcTypes.js"

/** The file name of the saved state inside a container's state dir. */
export const stateFilename = "state.json"

/** The FIFO that exists while a container is created but not yet started. */
export const execFifoFilename = "exec.fifo"

/** runc's `State` (`BaseState` inlined first), in state.json's key order (defined in `internal/runcTypes.ts`). */
export const State = fromType(Types.State)
/** @category model */
export interface State extends Schema.Schema.Type<typeof State> {}

/** A state with the given fields and every other at runc's zero value (`init_process_pid` 0). */
export const make = (fields: Partial<State> = {}): State => ({
  ...zeroOf(State),
  created: zeroTime,
  config: Config.make(),
  ...fields
})

/**
 * Decodes a state.json with Go's rules (first JSON value only, keys
 * case-insensitive, unknown keys ignored). Unlike runc, a `null` document is
 * an error rather than a crash. Failures name the offending field.
 */
export const decodeJson = (input: string | Uint8Array): Either.Either<State, JsonDecodeError> =>
  decodeDocument(State, "State", input)

/** Encodes a state exactly as runc writes state.json: compact, no trailing newline. */
export const encodeJson = (state: State): Either.Either<string, JsonEncodeError> =>
  Either.map(encodeDocument(State, "State", state), stringify)

/** A fast-check arbitrary of states (configs included), for property tests. Built when called, never at import. */
export const arbitrary = (): FastCheck.Arbitrary<State> => Arbitrary.make(State)
