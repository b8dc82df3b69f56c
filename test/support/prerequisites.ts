/**
 * Gates for suites that need the real host: root, a writable cgroupfs, the
 * runc binary, busybox. Outside CI a missing prerequisite skips the suite;
 * with `CI=true` it fails it, so a misconfigured CI machine cannot go green
 * by skipping the tests that matter.
 */
import { execFileSync } from "node:child_process"
import { accessSync, constants, existsSync } from "node:fs"
import { describe, it } from "vitest"

/** A host facility a suite depends on, and how to tell whether it is present. */
export interface Prerequisite {
  readonly name: string
  readonly present: () => boolean
}

const which = (command: string): boolean => {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

export const root: Prerequisite = {
  name: "root (euid 0)",
  present: () => process.geteuid?.() === 0
}

export const runc: Prerequisite = { name: "runc on PATH", present: () => which("runc") }

export const busybox: Prerequisite = {
  name: "busybox-static (/bin/busybox)",
  present: () => existsSync("/bin/busybox") || which("busybox")
}

export const cgroupV1: Prerequisite = {
  name: "writable cgroup v1 hierarchies under /sys/fs/cgroup",
  present: () => {
    try {
      accessSync("/sys/fs/cgroup/freezer", constants.W_OK)
      accessSync("/sys/fs/cgroup/devices", constants.W_OK)
      return true
    } catch {
      return false
    }
  }
}

export const cgroupV2: Prerequisite = {
  name: "writable cgroup2 mount",
  present: () => {
    for (const dir of ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]) {
      try {
        if (existsSync(`${dir}/cgroup.procs`) && existsSync(`${dir}/cgroup.controllers`)) {
          accessSync(dir, constants.W_OK)
          return true
        }
      } catch {
        // try the next candidate
      }
    }
    return false
  }
}

/** Whether this run is CI, where missing prerequisites are failures. */
export const inCI = process.env["CI"] === "true" || process.env["CI"] === "1"

/**
 * `describe` that runs when every prerequisite is present, skips when one is
 * missing outside CI, and fails (one failing test naming what is missing)
 * when one is missing in CI.
 */
export const describeWith = (
  prerequisites: ReadonlyArray<Prerequisite>,
  name: string,
  body: () => void
): void => {
  const missing = prerequisites.filter((p) => !p.present()).map((p) => p.name)
  if (missing.length === 0) {
    describe(name, body)
  } else if (inCI) {
    describe(name, () => {
      it(`has its prerequisites: ${missing.join(", ")}`, () => {
        throw new Error(`missing prerequisites in CI: ${missing.join(", ")}`)
      })
    })
  } else {
    describe.skip(`${name} (missing: ${missing.join(", ")})`, body)
  }
}

