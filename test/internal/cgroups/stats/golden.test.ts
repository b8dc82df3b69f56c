/**
 * The v1 and v2 stat readers against runc 1.1.5 itself: every case of
 * test/fixtures/cgroup-stats (hand-written edge cases and cgroups captured on
 * a real host) was read by runc's own fs / fs2 `GetStats` (see
 * scripts/runc-golden.sh); here the same files go through our readers and
 * must give the same error text, the same `runc events` line byte for byte,
 * and the same NUMA and RDMA figures.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { stringify, type EncodableValue } from "../../../../src/internal/json/GoJson.js"
import { encodeStatsEvent } from "../../../../src/internal/cgroups/stats/events.js"
import type { PageStats, PageUsageByNUMA, RdmaStats, Stats } from "../../../../src/internal/cgroups/stats/types.js"
import * as V1 from "../../../../src/internal/cgroups/stats/v1.js"
import * as V2 from "../../../../src/internal/cgroups/stats/v2.js"
import { caseFiles, fixtureReader, fixtureRoot, golden, type StatsCase, statsCases } from "./fixtures.js"

const pageStats = (p: PageStats): EncodableValue => {
  const nodes: Record<string, EncodableValue> = {}
  for (const [node, pages] of p.nodes) nodes[String(node)] = pages
  return {
    ...(p.total === 0n ? {} : { total: p.total }),
    ...(p.nodes.size === 0 ? {} : { nodes })
  }
}

/** cgroups.PageUsageByNUMA as Go's encoder writes it. */
const numaJson = (n: PageUsageByNUMA): unknown =>
  JSON.parse(stringify({
    total: pageStats(n.total),
    file: pageStats(n.file),
    anon: pageStats(n.anon),
    unevictable: pageStats(n.unevictable),
    hierarchical: {
      total: pageStats(n.hierarchical.total),
      file: pageStats(n.hierarchical.file),
      anon: pageStats(n.hierarchical.anon),
      unevictable: pageStats(n.hierarchical.unevictable)
    }
  }))

/** cgroups.RdmaStats as Go's encoder writes it. */
const rdmaJson = (r: RdmaStats): unknown => {
  const entries = (list: RdmaStats["rdma_limit"]) =>
    list.map((e) => ({
      ...(e.device === "" ? {} : { device: e.device }),
      ...(e.hca_handles === 0 ? {} : { hca_handles: e.hca_handles }),
      ...(e.hca_objects === 0 ? {} : { hca_objects: e.hca_objects })
    }))
  return {
    ...(r.rdma_limit.length === 0 ? {} : { rdma_limit: entries(r.rdma_limit) }),
    ...(r.rdma_current.length === 0 ? {} : { rdma_current: entries(r.rdma_current) })
  }
}

const byDevice = (a: { readonly major: bigint; readonly minor: bigint }, b: { readonly major: bigint; readonly minor: bigint }) =>
  a.major !== b.major ? (a.major < b.major ? -1 : 1) : a.minor === b.minor ? 0 : a.minor < b.minor ? -1 : 1

/** The golden program sorts fs2's io entries by device (runc's own order is a Go map's). */
const sortIo = (s: Stats): Stats => ({
  ...s,
  blkio_stats: {
    ...s.blkio_stats,
    io_service_bytes_recursive: [...s.blkio_stats.io_service_bytes_recursive].sort(byDevice),
    io_serviced_recursive: [...s.blkio_stats.io_serviced_recursive].sort(byDevice)
  }
})

/** Our answer for a case: the stats (also the partial ones of a v2 failure) and the error text. */
const run = (c: StatsCase) => {
  const files = caseFiles(c)
  if (c.driver === "v1") {
    const reader = fixtureReader(files, c.dirs.map((d) => `${fixtureRoot}/${d}`))
    const paths: Record<string, string> = {}
    for (const d of [...c.dirs, ...(c.missing ?? [])]) paths[d] = `${fixtureRoot}/${d}`
    return Effect.map(
      Effect.either(V1.getStats(reader, { paths, hugePageSizes: golden.hugePageSizes })),
      Either.match({
        onLeft: (e) => ({ stats: undefined, error: e.message }),
        onRight: (stats) => ({ stats, error: undefined })
      })
    )
  }
  const reader = fixtureReader(files, [fixtureRoot])
  return Effect.map(
    Effect.either(V2.getStats(reader, {
      dir: fixtureRoot,
      hugePageSizes: golden.hugePageSizes,
      meminfo: Effect.die("the fixture is not the root cgroup"),
      rootless: c.rootless === true
    })),
    Either.match({
      onLeft: (e) => ({ stats: sortIo(e.stats), error: e.message }),
      onRight: (stats) => ({ stats: sortIo(stats), error: undefined })
    })
  )
}

describe("stats against runc 1.1.5's GetStats", () => {
  it("has runc's answer for every case", () => {
    expect(golden.stats.map((g) => g.name)).toEqual(statsCases.map((c) => c.name))
  })

  for (const c of statsCases) {
    const expected = golden.stats.find((g) => g.name === c.name)!
    it.effect(`${c.driver} ${c.name}`, () =>
      Effect.gen(function*() {
        const ours = yield* run(c)
        expect(ours.error ?? null).toBe(expected.error)
        if (expected.nil) {
          expect(ours.stats).toBeUndefined()
          return
        }
        expect(ours.stats).toBeDefined()
        const line = encodeStatsEvent("golden", { cgroup: ours.stats!, interfaces: [] })
        expect(line).toEqual(Either.right(expected.event))
        expect(numaJson(ours.stats!.memory_stats.page_usage_by_numa)).toEqual(expected.numa)
        expect(rdmaJson(ours.stats!.rdma_stats)).toEqual(expected.rdma)
      }))
  }
})

describe("stats against runc events --stats on this host", () => {
  for (const c of statsCases.filter((c) => c.runcEvent !== undefined)) {
    it.effect(`${c.name}: the same line as runc printed for the paused container`, () =>
      Effect.gen(function*() {
        const ours = yield* run(c)
        expect(ours.error).toBeUndefined()
        expect(encodeStatsEvent(c.runcId!, { cgroup: ours.stats!, interfaces: [] })).toEqual(Either.right(c.runcEvent))
      }))
  }
})
