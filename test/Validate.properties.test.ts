/**
 * Properties of Validate, on the memory layer (many runs) and on this host
 * (fewer): a valid config stays valid whatever the fields validation does not
 * read; each rule's failure carries its own check and message; with several
 * rules broken, the first in runc's order is reported; both layers agree.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import type * as Layer from "effect/Layer"
import * as Config from "../src/Config.js"
import * as Validate from "../src/Validate.js"
import { memoryLayer, nodeLayer, vectorSeed } from "./support/validateHosts.js"

type Patch = Partial<Config.Config>

const MS_BIND = 0x1000

const outcome = (config: Config.Config) =>
  Effect.map(Effect.either(Validate.validate(config, { cwd: "/tmp" })), (result) =>
    Either.isLeft(result) ? { check: result.left.check, message: result.left.message } : "ok" as const)

const nsList = (...types: ReadonlyArray<Config.NamespaceType>) => types.map((type) => ({ type, path: "" }))
const idmap = (container_id: number, host_id: number, size: number): Config.IDMap => ({ container_id, host_id, size })

/** Configs every host here accepts (from the vectors' ok rows). */
const validConfigs: ReadonlyArray<Config.Config> = [
  Config.make({ rootfs: "/var" }),
  Config.make({ rootfs: "/var", hostname: "runc", domainname: "runc", namespaces: nsList("NEWUTS") }),
  Config.make({ rootfs: "/var/", mask_paths: ["/proc/kcore"], readonly_paths: ["/proc/sys"], namespaces: nsList("NEWNS") }),
  Config.make({
    rootfs: "/var",
    namespaces: nsList("NEWUSER", "NEWNET", "NEWIPC", "NEWTIME", "NEWCGROUP"),
    uid_mappings: [idmap(0, 1000, 65536)],
    gid_mappings: [idmap(0, 1000, 65536)],
    sysctl: { "net.ipv4.ip_forward": "1", "fs/mqueue/msg_max": "10", "kernel.shmmax": "1" },
    networks: [],
    routes: []
  }),
  Config.make({
    rootfs: "/var",
    rootless_euid: true,
    namespaces: nsList("NEWUSER"),
    uid_mappings: [idmap(0, 1337, 10)],
    gid_mappings: [idmap(0, 7331, 10)]
  }),
  Config.make({ rootfs: "/var", scheduler: { policy: "SCHED_DEADLINE", runtime: 1n, deadline: 2n, period: 3n } }),
  Config.make({ rootfs: "/var", intel_rdt: { closID: "shared" }, cgroups: Config.makeCgroup({ path: "/x" }) })
]

const irrelevantKeys = [
  "no_pivot_root",
  "parent_death_signal",
  "umask",
  "readonlyfs",
  "rootPropagation",
  "devices",
  "mount_label",
  "capabilities",
  "apparmor_profile",
  "rlimits",
  "oom_score_adj",
  "seccomp",
  "no_new_privileges",
  "Hooks",
  "version",
  "labels",
  "no_new_keyring",
  "rootless_cgroups",
  "personality"
] as const satisfies ReadonlyArray<keyof Config.Config>

/** Fields no check reads, taken from an arbitrary config. */
const irrelevant: FastCheck.Arbitrary<Patch> = Config.arbitrary().map((random) => {
  const patch: Record<string, unknown> = {}
  for (const key of irrelevantKeys) if (key in random) patch[key] = random[key]
  return patch as Patch
})

/** A mount that passes the strict check: not a bind, not id-mapped, absolute destination. */
const plainMount: FastCheck.Arbitrary<Config.Mount> = FastCheck.tuple(
  Arbitrary.make(Config.Mount),
  FastCheck.array(FastCheck.stringMatching(/^[a-z0-9._-]{1,8}$/), { maxLength: 3 })
).map(([mount, segments]) => {
  const { gid_mappings: _gid, uid_mappings: _uid, ...plain } = mount
  return { ...plain, flags: plain.flags & ~MS_BIND, destination: `/${segments.join("/")}` }
})

/** Values that do not matter to the rules they sit under: cgroup resources on a v1 host, sysctl values, plain mounts. */
const neutral: FastCheck.Arbitrary<(config: Config.Config) => Config.Config> = FastCheck.record({
  cgroup: FastCheck.option(Config.arbitrary().map((c) => c.cgroups), { nil: undefined }),
  value: FastCheck.string(),
  mounts: FastCheck.array(plainMount, { maxLength: 2 })
}).map(({ cgroup, mounts, value }) => (config) => ({
  ...config,
  cgroups: cgroup === undefined || cgroup === null
    ? config.cgroups
    : {
      ...cgroup,
      path: "",
      ...(cgroup.Resources === undefined ? {} : { Resources: { ...cgroup.Resources, unified: null } })
    },
  sysctl: config.sysctl === null ? null : Object.fromEntries(Object.keys(config.sysctl).map((k) => [k, value])),
  mounts: config.rootless_euid === true ? config.mounts : [...(config.mounts ?? []), ...mounts]
}))

/** One way to break one rule, and runc's message for it. */
interface Breaker {
  readonly check: Validate.Check
  readonly patch: Patch
  readonly message: string
}

const mountText = (data: string, flags: number) =>
  `&{Source: Destination:/ Device: Flags:${flags} ClearedFlags:0 PropagationFlags:[] Data:${data} Relabel: ` +
  `RecAttr:<nil> Extensions:0 UIDMappings:[] GIDMappings:[]}`

const text = FastCheck.stringMatching(/^[a-z][a-z0-9]{0,7}$/)

/** Breakers that leave every other rule alone on a base of `{rootfs: "/var"}` with no namespaces. */
const breakers: Readonly<Record<Validate.Check, FastCheck.Arbitrary<Breaker>>> = {
  cgroups: FastCheck.oneof(
    FastCheck.tuple(text, text).map(([name, path]): Breaker => ({
      check: "cgroups",
      patch: { cgroups: Config.makeCgroup({ name, path: `/${path}` }) },
      message: `cgroup: either Path or Name and Parent should be used, got &{Name:${name} Parent: Path:/${path} ` +
        "ScopePrefix: Resources:<nil> Systemd:false SystemdProps:[] Rootless:false OwnerUID:<nil>}"
    })),
    FastCheck.constant<Breaker>({
      check: "cgroups",
      patch: { cgroups: Config.makeCgroup({ Resources: Config.makeResources({ unified: {} }) }) },
      message: "invalid configuration: cannot use unified on cgroup v1"
    })
  ),
  rootfs: FastCheck.oneof(
    text.map((name): Breaker => ({
      check: "rootfs",
      patch: { rootfs: `/nonexistent-${name}` },
      message: `invalid rootfs: stat /nonexistent-${name}: no such file or directory`
    })),
    FastCheck.constantFrom<readonly [string, string]>(
      ["/var/run", "invalid rootfs: not an absolute path, or a symlink"],
      ["/var/run/", "invalid rootfs: not an absolute path, or a symlink"],
      ["var", "invalid rootfs: stat var: no such file or directory"],
      ["", "invalid rootfs: stat : no such file or directory"]
    ).map(([rootfs, message]): Breaker => ({ check: "rootfs", patch: { rootfs }, message }))
  ),
  network: FastCheck.oneof(
    text.map((type): Breaker => ({
      check: "network",
      patch: { networks: [{ ...emptyNetwork, type }] },
      message: "unable to apply network settings without a private NET namespace"
    })),
    text.map((gateway): Breaker => ({
      check: "network",
      patch: { routes: [{ destination: "", source: "", gateway, interface_name: "" }] },
      message: "unable to apply network settings without a private NET namespace"
    }))
  ),
  uts: FastCheck.oneof(
    text.map((hostname): Breaker => ({
      check: "uts",
      patch: { hostname },
      message: "unable to set hostname without a private UTS namespace"
    })),
    text.map((domainname): Breaker => ({
      check: "uts",
      patch: { domainname },
      message: "unable to set domainname without a private UTS namespace"
    }))
  ),
  security: FastCheck.oneof(
    text.map((p): Breaker => ({
      check: "security",
      patch: { mask_paths: [`/${p}`] },
      message: "unable to restrict sys entries without a private MNT namespace"
    })),
    text.map((label): Breaker => ({
      check: "security",
      patch: { process_label: label },
      message: "selinux label is specified in config, but selinux is disabled or not supported"
    }))
  ),
  namespaces: FastCheck.constantFrom<Breaker>(
    {
      check: "namespaces",
      patch: { time_offsets: {} },
      message: "time namespace offsets specified, but time namespace isn't enabled in the config"
    },
    {
      check: "namespaces",
      patch: { gid_mappings: [] },
      message: "user namespace mappings specified, but user namespace isn't enabled in the config"
    }
  ),
  sysctl: FastCheck.tuple(FastCheck.constantFrom("kernel.", "kernel/", "vm.", "fs.mqueue.", "net.", "net/"), text).map(
    ([prefix, name]): Breaker => {
      const key = prefix + name
      const normal = key.replace("/", ".")
      return {
        check: "sysctl",
        patch: { sysctl: { [key]: "1" } },
        message: prefix.startsWith("fs.mqueue")
          ? `sysctl "${normal}" is not allowed in the hosts ipc namespace`
          : prefix.startsWith("net")
          ? `sysctl "${normal}" not allowed in host network namespace`
          : `sysctl "${normal}" is not in a separate kernel namespace`
      }
    }
  ),
  intelRdt: FastCheck.oneof(
    FastCheck.constantFrom(".", "..", "a/b", "/").map((closID): Breaker => ({
      check: "intelRdt",
      patch: { intel_rdt: { closID } },
      message: `invalid intelRdt.ClosID "${closID}"`
    })),
    FastCheck.constant<Breaker>({
      check: "intelRdt",
      patch: { intel_rdt: { l3_cache_schema: "L3:0=f" } },
      message: "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled"
    })
  ),
  rootlessEUID: FastCheck.constant<Breaker>({
    check: "rootlessEUID",
    patch: { rootless_euid: true },
    message: "rootless container requires user namespaces"
  }),
  mounts: FastCheck.tuple(text, FastCheck.constantFrom(MS_BIND, MS_BIND | 0x4000, MS_BIND | 1)).map(
    ([data, flags]): Breaker => ({
      check: "mounts",
      patch: { mounts: [{ ...emptyMount, destination: "/", flags, data }] },
      message: `invalid mount ${mountText(data, flags)}: bind mounts cannot have any filesystem-specific options applied`
    })
  ),
  scheduler: FastCheck.oneof(
    FastCheck.constant<Breaker>({
      check: "scheduler",
      patch: { scheduler: { policy: "" } },
      message: "scheduler policy is required"
    }),
    FastCheck.oneof(FastCheck.integer({ min: -(2 ** 31), max: -21 }), FastCheck.integer({ min: 20, max: 2 ** 31 - 1 })).map(
      (nice): Breaker => ({
        check: "scheduler",
        patch: { scheduler: { policy: "SCHED_OTHER", nice } },
        message: `invalid scheduler.nice: ${nice}`
      })
    )
  )
}

const emptyNetwork = {
  type: "",
  name: "",
  bridge: "",
  mac_address: "",
  address: "",
  gateway: "",
  ipv6_address: "",
  ipv6_gateway: "",
  mtu: 0,
  txqueuelen: 0,
  host_interface_name: "",
  hairpin_mode: false
}

const emptyMount: Config.Mount = {
  source: "",
  destination: "",
  device: "",
  flags: 0,
  cleared_flags: 0,
  propagation_flags: null,
  data: "",
  relabel: "",
  rec_attr: null,
  extensions: 0
}

const someBreakers: FastCheck.Arbitrary<ReadonlyArray<Breaker>> = FastCheck.subarray([...Validate.checks], { minLength: 1 })
  .chain((chosen) => FastCheck.tuple(...chosen.map((check) => breakers[check])))

const applyAll = (patches: ReadonlyArray<Breaker>, noise: Patch) =>
  Config.make({ rootfs: "/var", ...noise, ...Object.assign({}, ...patches.map((b) => b.patch)) })

const hosts: ReadonlyArray<readonly [string, Layer.Layer<Validate.Services>, number]> = [
  ["memory layer", memoryLayer(vectorSeed({ entries: [{ type: "symlink", path: "/var/run", target: "/run" }] })), 100],
  ["node layer (this host)", nodeLayer, 25]
]

for (const [name, hostLayer, numRuns] of hosts) {
  layer(hostLayer)(name, (it) => {
    it.effect.prop(
      "a valid config stays valid under changes to what no rule reads",
      [FastCheck.constantFrom(...validConfigs), irrelevant, neutral],
      ([config, noise, adjust]) =>
        Effect.map(outcome(adjust({ ...config, ...noise })), (result) => {
          expect(result).toBe("ok")
        }),
      { fastCheck: { numRuns } }
    )

    it.effect.prop(
      "each rule's failure is reported with its own check and message",
      [FastCheck.constantFrom(...Validate.checks).chain((check) => breakers[check]), irrelevant],
      ([breaker, noise]) =>
        Effect.map(outcome(applyAll([breaker], noise)), (result) => {
          expect(result).toEqual({ check: breaker.check, message: breaker.message })
        }),
      { fastCheck: { numRuns } }
    )

    it.effect.prop(
      "with several rules broken, the first in runc's order is reported",
      [someBreakers, irrelevant],
      ([broken, noise]) =>
        Effect.map(outcome(applyAll(broken, noise)), (result) => {
          const first = broken[0]!
          expect(result).toEqual({ check: first.check, message: first.message })
        }),
      { fastCheck: { numRuns } }
    )
  })
}

describe("both layers agree", () => {
  const rootfsPaths = FastCheck.constantFrom("/var", "/var/", "/nonexistent", "/var/run", "", "var", "/tmp/../var")
  const netnsPaths = FastCheck.constantFrom("/var", "/nonexistent", "/proc/self/ns/net", "/var/run/")
  const config = FastCheck.tuple(Config.arbitrary(), rootfsPaths, netnsPaths).map(([random, rootfs, netns]) => ({
    ...random,
    rootfs,
    namespaces: (random.namespaces ?? []).map((n) => n.type === "NEWNET" && n.path !== "" ? { ...n, path: netns } : n)
  }))
  const memory = memoryLayer(vectorSeed({ entries: [{ type: "symlink", path: "/var/run", target: "/run" }] }))
  it.effect.prop(
    "on arbitrary configs, the node and memory layers give the same verdict",
    [config],
    ([c]) =>
      Effect.gen(function*() {
        const onNode = yield* Effect.provide(outcome(c), nodeLayer)
        const onMemory = yield* Effect.provide(outcome(c), memory)
        expect(onMemory).toEqual(onNode)
      }),
    { fastCheck: { numRuns: 60 } }
  )
})

describe("internals", () => {
  it.prop(
    "the sysctl normaliser is idempotent and leaves a name whose first separator is a dot alone",
    [FastCheck.stringMatching(/^[a-z0-9./]{0,16}$/)],
    ([name]) => {
      const once = Validate.convertSysctlVariableToDotsSeparator(name)
      expect(Validate.convertSysctlVariableToDotsSeparator(once)).toBe(once)
      const first = name.search(/[./]/)
      if (first < 0 || name[first] === ".") expect(once).toBe(name)
      else expect(once.length).toBe(name.length)
    }
  )

  it.prop(
    "swap conversion gives swap minus memory for a real limit above memory",
    [FastCheck.bigInt({ min: 1n, max: 2n ** 62n }), FastCheck.bigInt({ min: 0n, max: 2n ** 62n })],
    ([memory, extra]) => {
      const result = Validate.convertMemorySwapToCgroupV2Value(memory + extra, memory)
      expect(result).toEqual(Either.right(extra))
    }
  )
})
