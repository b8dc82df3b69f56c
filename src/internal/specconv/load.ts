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
import { JsonDecodeError, JsonEncodeError } from "../../ContainerError.js"
import * as GoFast from "../json/GoFast.js"
import { parseJson, stringify, type EncodableValue } from "../json/GoJson.js"
import type { GoSchema } from "../json/GoSchema.js"
import { scan } from "../json/GoSyntax.js"
import { ProcessInvalid } from "./errors.js"
import { Process, processShape, Spec, specShape, type StructShape } from "./spec.js"

/** The file runc reads in the bundle (`specConfig`). */
export const specConfig = "config.json"

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true })
const encoder = new TextEncoder()

const unmarshal = /^cannot unmarshal (.*) into Go value of type (.*)$/

/**
 * Go's `UnmarshalTypeError` text for a failure at `path`: the struct that
 * holds the innermost field (by its Go name) and the declared JSON names of
 * the fields entered, slice indices and map keys left out — as Go 1.19's
 * decoder builds `Struct` and `Field`.
 */
const goFieldOf = (root: StructShape, path: ReadonlyArray<PropertyKey>): { readonly struct: string; readonly field: string } => {
  let current: StructShape | undefined = root
  let struct = root.name
  const names: Array<string> = []
  for (let i = 0; i < path.length; i++) {
    const p = path[i]
    if (current === undefined || typeof p !== "string") break
    struct = current.name
    names.push(p)
    const next: StructShape["fields"][string] | undefined = current.fields[p]
    if (next === undefined) {
      current = undefined
      continue
    }
    if (next.via !== "value") i++
    current = next.shape()
  }
  return { struct, field: names.join(".") }
}

const toDecodeError = (document: string, shape: StructShape, error: ParseResult.ParseError): JsonDecodeError => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const issue = issues.find((i) => unmarshal.test(i.message)) ??
    issues.find((i) => !/^Expected null/.test(i.message)) ?? issues[0]
  if (issue === undefined) return new JsonDecodeError({ document, field: "", reason: error.message })
  const { field, struct } = goFieldOf(shape, issue.path)
  const m = unmarshal.exec(issue.message)
  const reason = m === null
    ? field === "" ? issue.message : `${document}.${field}: ${issue.message}`
    : field === ""
    ? `json: cannot unmarshal ${m[1]} into Go value of type ${m[2]}`
    : `json: cannot unmarshal ${m[1]} into Go struct field ${struct}.${field} of type ${m[2]}`
  return new JsonDecodeError({ document, field, reason })
}

const decodeWith = <A>(schema: GoSchema<A>, document: string, shape: StructShape) =>
(input: string | Uint8Array): Either.Either<A, JsonDecodeError> => {
  const bytes = typeof input === "string" ? encoder.encode(input) : input
  const scanned = scan(bytes)
  if (scanned._tag === "Error") return Either.left(new JsonDecodeError({ document, field: "", reason: scanned.reason }))
  // Only the first value is read; whatever follows it stays unread, as in Go.
  const text = utf8.decode(bytes.subarray(0, scanned.end))
  return Either.flatMap(
    Either.mapLeft(parseJson(text), ({ reason }) => new JsonDecodeError({ document, field: "", reason })),
    (value) => {
      if (value === null) {
        return Either.left(new JsonDecodeError({ document, field: "", reason: `${document} document is null` }))
      }
      const fast = GoFast.fastOf(schema)
      if (fast !== undefined) {
        const decoded = fast(value)
        if (decoded !== GoFast.bail) return Either.right(decoded)
      }
      return Either.mapLeft(Schema.decodeUnknownEither(schema)(value), (e) => toDecodeError(document, shape, e))
    }
  )
}

/**
 * Decodes a `config.json` as runc's `json.NewDecoder(f).Decode(&spec)`:
 * Go's syntax errors (`invalid character '}' looking for beginning of
 * value`, `unexpected EOF`), type errors (`json: cannot unmarshal string
 * into Go struct field User.process.user.uid of type uint32`), unknown keys
 * ignored, keys matched case-insensitively, bytes after the first value
 * ignored. A document that is just `null` (on which runc would crash) is
 * refused.
 */
export const decodeSpec: (input: string | Uint8Array) => Either.Either<Spec, JsonDecodeError> = decodeWith(
  Spec,
  "Spec",
  specShape
)

/** Decodes a process document (`runc exec --process`) with the same rules as {@link decodeSpec}. */
export const decodeProcess: (input: string | Uint8Array) => Either.Either<Process, JsonDecodeError> = decodeWith(
  Process,
  "Process",
  processShape
)

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
