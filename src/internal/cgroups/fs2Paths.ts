/**
 * The cgroup v2 "fs2" manager's directory (`defaultDirPath` in runc's
 * `libcontainer/cgroups/fs2/defaultpath.go`): an absolute inner path under the unified mount point, a relative
 * one under the *parent* of the calling process's own cgroup.
 */
import * as Effect from "effect/Effect"
import type { Cgroup } from "../../Config.js"
import type { CgroupEnv } from "./env.js"
import { CgroupError } from "./errors.js"
import { readProcfsFile } from "./files.js"
import { goCgroup } from "./goFormat.js"
import { cleanPath, dir, isAbs, join } from "./goPath.js"
import * as ProcCgroup from "./procCgroup.js"

/** The own cgroup from `0::<path>` of `/proc/self/cgroup`. */
const ownUnifiedCgroup = (env: CgroupEnv) =>
  Effect.flatMap(
    readProcfsFile(env.fs, env.layout, env.layout.procSelfCgroupPath, ProcCgroup.maxBytes),
    ProcCgroup.parseV2
  )

/** runc's fs2 `defaultDirPath`. */
export const defaultDirPath = Effect.fn("CgroupManager.defaultDirPath")(function*(env: CgroupEnv, cg: Cgroup) {
  const name = cg.name ?? ""
  const parent = cg.parent ?? ""
  if ((name !== "" || parent !== "") && cg.path !== "") {
    return yield* new CgroupError({
      message: `cgroup: either Path or Name and Parent should be used, got ${goCgroup(cg)}`
    })
  }
  const cleaned = cleanPath(cg.path)
  const inner = cleaned !== "" ? cleaned : join(cleanPath(parent), cleanPath(name))
  if (isAbs(inner)) return join(env.layout.root, inner)
  const own = yield* ownUnifiedCgroup(env)
  return join(env.layout.root, dir(own), inner)
})
