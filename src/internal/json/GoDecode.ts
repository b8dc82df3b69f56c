/**
 * Whole documents: decoding with Go's reading rules (`GoDecoder.ts`) and
 * `encoding/json`'s error texts, and encoding to the bytes `json.Marshal`
 * writes.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { JsonDecodeError, JsonEncodeError } from "../../ContainerError.js"
import { decodeText } from "./GoDecoder.js"
import type { EncodableValue } from "./GoJson.js"
import { decoderOf, type GoSchema } from "./GoSchema.js"

/**
 * Decodes one document as runc's `json.NewDecoder(f).Decode(&v)` does:
 * the first JSON value of the text, bytes read as UTF-8 with each invalid
 * byte read as U+FFFD. A document that is just `null` — which Go accepts and
 * runc then dereferences — is refused. Failures carry Go's texts; `field`
 * names the failing value (`config.mounts[0].flags`).
 */
export const decodeDocument = <A>(
  schema: GoSchema<A>,
  document: string,
  input: string | Uint8Array
): Either.Either<A, JsonDecodeError> => {
  const r = decodeText(decoderOf(schema), input, document)
  switch (r._tag) {
    case "Ok":
      return Either.right(r.value)
    case "Failed":
      return Either.left(new JsonDecodeError({ document, field: r.failure.field, reason: r.failure.reason }))
    case "Syntax":
      return Either.left(new JsonDecodeError({ document, field: "", reason: r.error.reason }))
    case "Null":
      return Either.left(new JsonDecodeError({ document, field: "", reason: `${document} document is null` }))
  }
}

/** Encodes a value to the JSON tree runc would write; fails for a value the schema does not accept. */
export const encodeDocument = <A>(
  schema: GoSchema<A>,
  document: string,
  value: A
): Either.Either<EncodableValue, JsonEncodeError> =>
  Either.mapLeft(
    Schema.encodeEither(schema)(value) as Either.Either<EncodableValue, ParseResult.ParseError>,
    (e) => new JsonEncodeError({ document, reason: ParseResult.TreeFormatter.formatErrorSync(e) })
  )
