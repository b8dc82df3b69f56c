/**
 * Whole-document decoding and encoding with Go's reading rules and
 * `encoding/json`-style error texts that name the offending field.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { JsonDecodeError, JsonEncodeError } from "../../ContainerError.js"
import * as Fast from "./GoFast.js"
import { type EncodableValue, parseJson } from "./GoJson.js"
import { type GoSchema, rawFieldsOf } from "./GoSchema.js"

// Go does not skip a byte order mark, and neither do we: it is a syntax error.
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true })

/** Path elements that exist in our value but not in the JSON (inlined structs). */
const invisible = new Set<PropertyKey>(["Resources"])

const fieldOf = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const p of path) {
    if (invisible.has(p)) continue
    if (typeof p === "number") out += `[${p}]`
    else out += (out === "" ? "" : ".") + String(p)
  }
  return out
}

const unmarshal = /^cannot unmarshal (.*) into Go value of type (.*)$/

/**
 * The error of a Go type's own `UnmarshalJSON` (`time.Time`'s parse error):
 * Go returns it as it is, and it ends the decoding at once, so it wins over
 * any type mismatch `encoding/json` merely noted on the way.
 */
const unmarshalerError = /^parsing time /

/** Turns a schema failure into the error runc's decoder would report. */
export const toDecodeError = (document: string, error: ParseResult.ParseError): JsonDecodeError => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const own = issues.find((i) => unmarshalerError.test(i.message))
  if (own !== undefined) return new JsonDecodeError({ document, field: fieldOf(own.path), reason: own.message })
  // In a union (a Go pointer: null or a value) the "null" branch is noise.
  const issue = issues.find((i) => unmarshal.test(i.message)) ??
    issues.find((i) => !/^Expected null/.test(i.message)) ?? issues[0]
  if (issue === undefined) return new JsonDecodeError({ document, field: "", reason: error.message })
  const field = fieldOf(issue.path)
  const m = unmarshal.exec(issue.message)
  const reason = m !== null
    ? field === ""
      ? `json: cannot unmarshal ${m[1]} into Go value of type ${m[2]}`
      : `json: cannot unmarshal ${m[1]} into Go struct field ${document}.${field} of type ${m[2]}`
    : field === ""
    ? issue.message
    : `${document}.${field}: ${issue.message}`
  return new JsonDecodeError({ document, field, reason })
}

/**
 * Parses and decodes one document. Bytes are read as UTF-8 with invalid
 * sequences replaced by U+FFFD, as Go's decoder does. A document that is just
 * `null` — which Go accepts and runc then dereferences — is refused. Fields
 * of a type with its own `UnmarshalJSON` get their members' raw text. The
 * schema's fast decoder (`GoFast.ts`) runs first; the schema itself decides
 * whenever the fast one bails, so failures read exactly as the schema words them.
 */
export const decodeDocument = <A>(
  schema: GoSchema<A>,
  document: string,
  input: string | Uint8Array
): Either.Either<A, JsonDecodeError> => {
  const text = typeof input === "string" ? input : utf8.decode(input)
  const rawMember = rawFieldsOf(schema)
  const parsed = rawMember === undefined ? parseJson(text) : parseJson(text, { rawMember })
  return Either.flatMap(
    Either.mapLeft(parsed, ({ reason }) => new JsonDecodeError({ document, field: "", reason })),
    (value) =>
      value === null
        ? Either.left(new JsonDecodeError({ document, field: "", reason: `${document} document is null` }))
        : decodeValue(schema, document, value)
  )
}

const decodeValue = <A>(schema: GoSchema<A>, document: string, value: unknown): Either.Either<A, JsonDecodeError> => {
  const fast = Fast.fastOf(schema)
  if (fast !== undefined) {
    const decoded = fast(value)
    if (decoded !== Fast.bail) return Either.right(decoded)
  }
  return Either.mapLeft(Schema.decodeUnknownEither(schema)(value), (e) => toDecodeError(document, ownErrorFirst(schema, value, e)))
}

/**
 * The failure to report: the first issue, unless a field's own
 * `UnmarshalJSON` failed somewhere — Go stops there and returns that error,
 * even after a type mismatch it had merely noted.
 */
export const ownErrorFirst = <A>(schema: GoSchema<A>, value: unknown, first: ParseResult.ParseError): ParseResult.ParseError => {
  if (rawFieldsOf(schema) === undefined) return first
  const all = Schema.decodeUnknownEither(schema, { errors: "all" })(value)
  if (Either.isRight(all)) return first
  const own = ParseResult.ArrayFormatter.formatErrorSync(all.left).some((i) => unmarshalerError.test(i.message))
  return own ? all.left : first
}

/** Encodes a value to the JSON tree runc would write. */
export const encodeDocument = <A>(
  schema: GoSchema<A>,
  document: string,
  value: A
): Either.Either<EncodableValue, JsonEncodeError> =>
  Either.mapLeft(
    Schema.encodeEither(schema)(value) as Either.Either<EncodableValue, ParseResult.ParseError>,
    (e) => new JsonEncodeError({ document, reason: ParseResult.TreeFormatter.formatErrorSync(e) })
  )
