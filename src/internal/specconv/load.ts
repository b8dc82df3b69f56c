/**
 * Reading a bundle's `config.json` and a `runc exec --process` document as
 * runc 1.1.5 reads them (`spec.go` `loadSpec`, `exec.go` `getProcess`):
 * Go's JSON decoder with its error texts, then `validateProcessSpec`.
 * Writing them back as `json.Marshal` does, for the process file handed to
 * `runc exec --process`.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type JsonDecodeError, JsonEncodeError } from "../../ContainerError.js"
import { decodeDocument } from "../json/GoDecode.js"
import { stringify, type EncodableValue } from "../json/GoJson.js"
import type { GoSchema } from "../json/GoSchema.js"
import { ProcessInvalid } from "./errors.js"
import { Process, Spec } from "./spec.js"

/** The file runc reads in the bundle (`specConfig`). */
export const specConfig = "config.json"

const decodeWith = <A>(schema: GoSchema<A>, document: string) => (input: string | Uint8Array): Either.Either<A, JsonDecodeError> =>
  decodeDocument(schema, document, input)

/**
 * Decodes a `config.json` as runc's `json.NewDecoder(f).Decode(&spec)`:
 * Go's syntax errors (`invalid character '}' looking for beginning of
 * value`, `unexpected EOF`), type errors (`json: cannot unmarshal string
 * into Go struct field User.process.user.uid of type uint32`), unknown keys
 * ignored, keys matched case-insensitively, bytes after the first value
 * ignored. A document that is just `null` (on which runc would crash) is
 * refused.
 */
export const decodeSpec: (input: string | Uint8Array) => Either.Either<Spec, JsonDecodeError> = decodeWith(Spec, "Spec")

/** Decodes a process document (`runc exec --process`) with the same rules as {@link decodeSpec}. */
export const decodeProcess: (input: string | Uint8Array) => Either.Either<Process, JsonDecodeError> = decodeWith(Process, "Process")

const encodeWith = <A>(schema: GoSchema<A>, document: string) => (value: A): Either.Either<string, JsonEncodeError> =>
  Either.map(
    Either.mapLeft(
      Schema.encodeEither(schema)(value) as Either.Either<EncodableValue, ParseResult.ParseError>,
      (e) => new JsonEncodeError({ document, reason: ParseResult.TreeFormatter.formatErrorSync(e) })
    ),
    stringify
  )

/** Writes a spec as Go's `json.Marshal` writes a `specs.Spec` (compact, `omitempty` honoured). */
export const encodeSpec: (spec: Spec) => Either.Either<string, JsonEncodeError> = encodeWith(Spec, "Spec")

/** Writes a process as Go's `json.Marshal` writes a `specs.Process`: the file for `runc exec --process`. */
export const encodeProcess: (process: Process) => Either.Either<string, JsonEncodeError> = encodeWith(Process, "Process")

/** Host facts {@link validateProcessSpec} needs. */
export interface ProcessCheckOptions {
  /** Whether SELinux is enabled on the host (go-selinux `GetEnabled`). Default: `false`. */
  readonly selinuxEnabled?: boolean
}

/**
 * runc's `validateProcessSpec`: a process must be present, with an
 * absolute `cwd` and at least one argument; an SELinux label needs SELinux.
 */
export const validateProcessSpec = (
  process: Process | undefined,
  options: ProcessCheckOptions = {}
): Either.Either<Process, ProcessInvalid> => {
  const invalid = (message: string) => Either.left(new ProcessInvalid({ message }))
  if (process === undefined) return invalid("process property must not be empty")
  if (process.cwd === "") return invalid("Cwd property must not be empty")
  if (!process.cwd.startsWith("/")) return invalid("Cwd must be an absolute path")
  if ((process.args?.length ?? 0) === 0) return invalid("args must not be empty")
  if ((process.selinuxLabel ?? "") !== "" && options.selinuxEnabled !== true) {
    return invalid("selinux label is specified in config, but selinux is disabled or not supported")
  }
  return Either.right(process)
}

/**
 * runc's `loadSpec` on the bytes of `config.json`: decode, then
 * {@link validateProcessSpec} on its process.
 */
export const loadSpec = (
  input: string | Uint8Array,
  options: ProcessCheckOptions = {}
): Either.Either<Spec, JsonDecodeError | ProcessInvalid> =>
  Either.flatMap(decodeSpec(input), (spec) => Either.map(validateProcessSpec(spec.process, options), () => spec))
