import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["./test/support/SummaryReporter.ts"],
    // Suites that touch real cgroups, runc and /run share host state.
    fileParallelism: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks"
  }
})
