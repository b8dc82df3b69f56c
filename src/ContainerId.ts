/**
 * Container ids as runc's `validateID` accepts them, and the lexical path
 * cleaning it relies on (`utils.CleanPath`, Go's `filepath.Clean`).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { ErrInvalidID } from "./ContainerError.js"
import { isValid } from "./internal/containerId.js"
import { clean } from "./internal/path.js"

export {
  /**
   * Go's `filepath.Clean`: purely lexical; `.` for an
   * empty result, no trailing `/` except for `/`.
   */
  clean
}

export {
  /**
   * runc's `utils.CleanPath` (`libcontainer/utils/utils.go`): cleans a path so that a
   * relative one can never begin with `..` and an absolute one stays absolute;
   * `""` stays `""`.
   */
  cleanPath,
  /**
   * Whether runc 1.2's `validateID` (`libcontainer/factory_linux.go`)
   * accepts `id`: non-empty, every byte in `[A-Za-z0-9_+.-]`, and `"/" + id`
   * already clean — which rules out exactly `.` and `..`. There is no length
   * limit.
   */
  isValid,
  /**
   * Whether runc 1.1.5 accepts `id`. Its pattern `^[\w+-\.]+$` reads `+-\.` as
   * the range `+`..`.`, so it also admits `,`; a container named `a,b` made by
   * runc 1.1.5 is invalid for runc 1.2 (and for this library).
   */
  isValidRunc115
} from "./internal/containerId.js"

/** A valid container id (see {@link isValid}). */
export const ContainerId = Schema.String.pipe(
  Schema.filter(isValid, {
    message: () => "invalid container ID format",
    arbitrary: () => (fc) =>
      fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9_+.-]{1,64}$/).filter(isValid),
        fc.constantFrom("...", ".a", "a.", "..a", "a..", "-", "+", "_", "1")
      )
  }),
  Schema.brand("ContainerId"),
  Schema.annotations({ identifier: "ContainerId" })
)
/** @category model */
export type ContainerId = Schema.Schema.Type<typeof ContainerId>

/** runc's `validateID`: the id, branded, or {@link ErrInvalidID}. */
export const validate = (id: string): Either.Either<ContainerId, ErrInvalidID> =>
  isValid(id) ? Either.right(id as ContainerId) : Either.left(new ErrInvalidID({ id }))
