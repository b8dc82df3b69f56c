/**
 * Records what real runc 1.1.5 makes of every bundle in
 * `test/support/specconvCases.ts` — the config it saves in state.json, or
 * the error it logs, and its warnings — into
 * `test/fixtures/specconv/cases.json`, with temp paths and ids replaced by
 * placeholders. The unit suite replays them without runc.
 *
 *   npx tsx scripts/record-specconv-fixtures.ts   (as root, runc and busybox installed)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Either from "effect/Either"
import * as Config from "../src/Config.js"
import { specCases } from "../test/support/specconvCases.js"
import { baseSpecs, caseConfigText, normalise, removeCgroups, runcCreate, unfill, writeBundle } from "../test/support/specconvRunc.js"

const run = `elc-scfix-${process.pid}`
const scratch = mkdtempSync(join(tmpdir(), "elc-specconv-record-"))
const stateRoot = mkdtempSync(join(tmpdir(), "elc-specconv-record-root-"))
const ids: Array<string> = []
try {
  const bases = baseSpecs(scratch)
  const recorded = specCases.map((c, i) => {
    const names = { id: `${run}-${i}`, cg: `${run}-cg` }
    ids.push(names.id)
    const template = caseConfigText(c, bases)
    const bundle = writeBundle(scratch, c, template, names)
    const outcome = runcCreate(stateRoot, bundle, c, names)
    const back = (text: string) => unfill(text, names, bundle.dir)
    return {
      name: c.name,
      config: back(bundle.configText),
      noPivot: c.noPivot === true,
      noNewKeyring: c.noNewKeyring === true,
      systemd: c.systemd === true,
      warnings: outcome.warnings.map(back),
      ...(outcome.ok
        ? { expected: back(Either.getOrThrow(Config.encodeJson(normalise(outcome.config)))) }
        : { error: back(outcome.message), stage: c.name.startsWith("err-validate-") ? "validate" : "specconv" })
    }
  })
  const dir = new URL("../test/fixtures/specconv/", import.meta.url).pathname
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "cases.json"), JSON.stringify(recorded, null, 1) + "\n")
  process.stdout.write(`recorded ${recorded.length} cases\n`)
} finally {
  removeCgroups([`${run}-cg`, ...ids])
  rmSync(scratch, { recursive: true, force: true })
  rmSync(stateRoot, { recursive: true, force: true })
}
