/**
 * effect-libcontainer: runc's libcontainer factory and container state model
 * on Effect. Every module is exported as a namespace.
 *
 * @since 0.1.0
 */

/** Container ids: runc's `validateID`, `CleanPath` and Go's `filepath.Clean`. */
export * as ContainerId from "./ContainerId.js"

/** runc's errors, with runc's texts, as tagged errors. */
export * as ContainerError from "./ContainerError.js"

/** runc's container configuration and its JSON. */
export * as Config from "./Config.js"

/** state.json and its JSON. */
export * as State from "./State.js"

/** The four container statuses. */
export * as Status from "./Status.js"

