/**
 * The host the installed CLI runs on: `Libcontainer.layerNode`, re-exported
 * alone so that `main.ts`'s dynamic import of this module brings this
 * host's composition and nothing else — the simulated host stays out of
 * the bundle (`test/cli/bundle.test.ts` checks it).
 */
export { layerNode } from "../Libcontainer.js"
