import type { RunnerTask, RunnerTestFile } from "vitest"
import { DefaultReporter } from "vitest/reporters"

const count = (task: RunnerTask, totals: { passed: number; failed: number }): void => {
  if (task.type === "test") {
    if (task.result?.state === "pass") totals.passed++
    else if (task.result?.state === "fail") totals.failed++
    return
  }
  const before = totals.failed
  for (const child of task.tasks) count(child, totals)
  // A file that fails to load, or a suite whose setup (a layer, a beforeAll)
  // fails, has no failed test of its own but must not read as green.
  if (task.result?.state === "fail" && totals.failed === before) totals.failed++
}

/**
 * vitest's default output, then one plain line, `N passed, N failed`, as the
 * very last thing printed, so CI logs and humans read the verdict in the same
 * place.
 */
export default class SummaryReporter extends DefaultReporter {
  override onFinished(files: Array<RunnerTestFile> = [], errors: Array<unknown> = []): void {
    super.onFinished(files, errors)
    const totals = { passed: 0, failed: 0 }
    for (const file of files) count(file, totals)
    totals.failed += errors.length
    process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed\n`)
  }
}
