/**
 * The host the installed CLI runs on: `Libcontainer.layerNode` (its runtime
 * binary from `$LIBCONTAINER_RUNTIME`), alone in this module so that
 * `main.ts`'s dynamic import of this module brings this host's composition
 * and nothing else — the simulated host stays out of the bundle
 * (`test/cli/bundle.test.ts` checks it).
 */
import { layerNodeWith } from "../Libcontainer.js"

/** This host, with `$LIBCONTAINER_RUNTIME` (default `runc`) as the OCI runtime of `create`, `run` and `exec`. */
export const layerNode = layerNodeWith({ runtime: { binary: process.env["LIBCONTAINER_RUNTIME"] || "runc" } })
