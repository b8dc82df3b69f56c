/**
 * state.json's `created` read by runc 1.1.5 itself and by us, side by side:
 * the same state.json (a stopped container, its config borrowed from a real
 * one) with Go's lenient forms, its refusals and raw-text quirks; `runc
 * state` prints the time we load, or fails with the text our StateCorrupt
 * carries.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Container from "../../src/Container.js"
import * as Factory from "../../src/Factory.js"
import * as Libcontainer from "../../src/Libcontainer.js"
import { busybox, describeWith, root, runc as runcBinary } from "../support/prerequisites.js"
import { realContainer, runcResult } from "../support/runc.js"

/** `created` values as raw JSON text, and whole member lists for duplicates. */
const values: ReadonlyArray<string> = [
  `"2026-11-29T10:48:00,5Z"`,
  `"2026-11-29T10:48:00.123456789123+05:30"`,
  `"2026-11-29T10:48:.5Z"`,
  `"2026-11-29T1:48:00-00:00"`,
  `"2026-11-29T10:48:00+99:99"`,
  `"2026-11-29T10:48:00+-1:30"`,
  `"2024-02-29T23:59:59Z"`,
  `"2023-02-29T23:59:59Z"`,
  `"2026-11-29T24:00:00Z"`,
  `"2026-11-29T10:48:60Z"`,
  `"2026-11-29t10:48:00Z"`,
  `"2026-11-29T10:48:00z"`,
  `"10000-01-01T00:00:00Z"`,
  `"2026-11-29T10:48:00\\u002e5Z"`,
  `"2é26-11-29T10:48:00Z"`,
  `"yesterday"`,
  `5`,
  `[1, 2]`,
  `null`
]

describeWith([root, runcBinary, busybox], "runc 1.1.5 and we read state.json's created alike", () => {
  it.scoped("every form: runc state's created is ours, or runc's error is our StateCorrupt's reason", () =>
    Effect.gen(function*() {
      const donor = yield* realContainer(`time-donor-${process.pid}`, "created")
      const saved = readFileSync(join(donor.root, donor.id, "state.json"), "utf8")
      const documents = [
        ...values.map((v) => saved.replace(/"created":"[^"]*"/, () => `"created":${v}`)),
        saved.replace(/"created":"[^"]*"/, `"created":"bad","Created":"2026-11-29T10:48:00Z"`),
        saved.replace(/"created":"[^"]*"/, `"Created":"2027-01-01T00:00:00+01:00","created":"2026-11-29T10:48:00Z"`)
      ]
      const outcomes = { read: 0, refused: 0 }
      for (const [i, document] of documents.entries()) {
        const id = `time-${i}`
        // init pid above pid_max: a stopped container for both
        const stopped = document.replace(/"init_process_pid":\d+/, `"init_process_pid":${2 ** 22 + 1}`)
        mkdirSync(join(donor.root, id), { mode: 0o711 })
        writeFileSync(join(donor.root, id, "state.json"), stopped, { mode: 0o600 })
        const theirs = runcResult(donor.root, ["--log-format", "json", "state", id])
        const ours = yield* Effect.either(Effect.flatMap(Factory.load(donor.root, id), Container.ociState))
        const member = /"[cC]reated":[^,]*(,"[cC]reated":[^,]*)?/.exec(stopped)?.[0]
        outcomes[theirs.status === 0 ? "read" : "refused"]++
        if (theirs.status === 0) {
          expect(ours._tag, member).toBe("Right")
          if (ours._tag === "Right") expect(ours.right.created, member).toBe(JSON.parse(theirs.stdout).created)
        } else {
          const message = JSON.parse(theirs.stderr.trim().split("\n").at(-1)!).msg as string
          expect(ours._tag, member).toBe("Left")
          if (ours._tag === "Left") {
            expect(ours.left._tag, member).toBe("StateCorrupt")
            expect(ours.left._tag === "StateCorrupt" ? ours.left.reason : "", member).toBe(message)
          }
        }
      }
      expect(outcomes).toEqual({ read: 9, refused: 12 })
    }).pipe(Effect.provide(Libcontainer.layerNode)), 60_000)
})
