/**
 * Bundles for the specconv differential: `runc spec` (and `runc spec
 * --rootless`) with one variation each, valid or not. The interop suite
 * creates each one with real runc and with our conversion and compares;
 * `scripts/record-specconv-fixtures.ts` records runc's answers as fixtures
 * for the unit suite.
 *
 * Every case keeps its cgroups under `{{CG}}` (a unique prefix) or uses the
 * container id, so a run can clean up after itself.
 */

// JSON as `runc spec` writes it: plain objects.
type Json = any // eslint-disable-line @typescript-eslint/no-explicit-any

/** One bundle variation. */
export interface SpecCase {
  readonly name: string
  /** Start from `runc spec --rootless` instead of `runc spec`. */
  readonly rootless?: boolean
  /** Edits the spec in place, or returns the config.json text to write instead. */
  readonly edit?: (spec: Json) => void | string
  readonly noPivot?: boolean
  readonly noNewKeyring?: boolean
  /** `runc --systemd-cgroup` (this host has no systemd: only refusals before the manager are comparable). */
  readonly systemd?: boolean
}

const mount = (destination: string, type: string, source: string, options?: Array<string>) =>
  options === undefined ? { destination, type, source } : { destination, type, source, options }

const cgroupsPath = (spec: Json, path: string) => {
  spec.linux.cgroupsPath = path
}

const namespaces = (spec: Json, ...types: Array<string | { type: string; path: string }>) => {
  spec.linux.namespaces = types.map((t) => (typeof t === "string" ? { type: t } : t))
}

/** The cases: valid ones first, then ones runc refuses before starting anything. */
export const specCases: ReadonlyArray<SpecCase> = [
  { name: "default" },
  { name: "rootless-spec", rootless: true },
  {
    name: "absolute-root-readonly-hostname",
    edit: (s) => {
      s.root = { path: "{{BUNDLE}}/rootfs", readonly: true }
      s.hostname = "elc-host"
      s.domainname = "ignored.example"
    }
  },
  {
    name: "annotations-as-labels",
    edit: (s) => {
      s.annotations = { "org.example.a": "1", "org.example.b": "two=2", "z": "" }
    }
  },
  {
    name: "mount-options",
    edit: (s) => {
      s.mounts.push(
        mount("/mnt/bind", "bind", "rootfs/bin", ["rbind", "ro", "nosuid", "nodev", "noexec", "rprivate"]),
        mount("/mnt/tmp", "tmpfs", "tmpfs", ["mode=755", "size=1m", "tmpcopyup", "strictatime", "nosymfollow"]),
        mount("/mnt/flags", "tmpfs", "tmpfs", [
          "ro",
          "rw",
          "sync",
          "async",
          "dirsync",
          "noatime",
          "atime",
          "relatime",
          "norelatime",
          "nodiratime",
          "lazytime",
          "iversion",
          "noiversion",
          "mand",
          "nomand",
          "silent",
          "loud",
          "acl",
          "noacl",
          "shared",
          "slave",
          "unbindable",
          "rshared",
          "rslave",
          "runbindable",
          "private"
        ]),
        mount("/mnt/rec", "bind", "/tmp", [
          "bind",
          "rro",
          "rnosuid",
          "rnodev",
          "rnoexec",
          "rnodiratime",
          "rnoatime",
          "rnosymfollow"
        ]),
        mount("/mnt/rec2", "bind", "/tmp", ["bind", "rrw", "rsuid", "rdev", "rexec", "rdiratime", "rrelatime", "ratime"]),
        mount("/mnt/rec3", "bind", "/tmp", ["rbind", "rstrictatime", "rnostrictatime", "rsymfollow", "rnorelatime"])
      )
    }
  },
  {
    name: "mount-relative-destination",
    edit: (s) => {
      s.mounts.push(mount("mnt/rel", "tmpfs", "tmpfs"))
    }
  },
  {
    name: "devices",
    edit: (s) => {
      s.linux.devices = [
        { path: "/dev/null", type: "c", major: 1, minor: 3, uid: 0, gid: 0 },
        { path: "/dev/elc-fuse", type: "u", major: 10, minor: 229, fileMode: 0o20666, uid: 1, gid: 2 },
        { path: "/dev/elc-loop", type: "b", major: 7, minor: 0 },
        { path: "/dev/elc-fifo", type: "p", major: 0, minor: 0, fileMode: 0o644 }
      ]
      // The spec's /dev/null replaces the default one, rule included.
      s.linux.resources = { devices: [{ allow: true, type: "c", major: 1, minor: 3, access: "rwm" }] }
    }
  },
  {
    name: "resources",
    edit: (s) => {
      s.linux.resources = {
        devices: [
          { allow: false, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 3, access: "rw" },
          { allow: true, type: "b", access: "m" },
          { allow: true, type: "", major: 4, access: "r" }
        ],
        memory: { limit: 67108864, reservation: 33554432, swap: 134217728, swappiness: 10, disableOOMKiller: false },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0", mems: "0" },
        pids: { limit: 64 }
      }
    }
  },
  {
    name: "resources-empty",
    edit: (s) => {
      s.linux.resources = { cpu: {}, memory: {}, blockIO: {}, network: {} }
    }
  },
  {
    name: "kernel-memory-warning",
    edit: (s) => {
      s.linux.resources = { memory: { limit: 67108864, kernel: 33554432, kernelTCP: 1048576 } }
    }
  },
  { name: "cgroups-path-absolute", edit: (s) => cgroupsPath(s, "/{{CG}}/abs") },
  { name: "cgroups-path-dotdot", edit: (s) => cgroupsPath(s, "/../{{CG}}/./x/../dotdot/") },
  {
    name: "network-namespace-loopback",
    edit: (s) => namespaces(s, "pid", "network", "ipc", "uts", "mount")
  },
  {
    name: "network-namespace-joined",
    edit: (s) => namespaces(s, "pid", { type: "network", path: "/proc/self/ns/net" }, "mount", "uts")
  },
  {
    name: "cgroup-namespace-rw-cgroupfs",
    edit: (s) => {
      namespaces(s, "pid", "mount", "cgroup", "uts", "ipc")
      s.mounts = s.mounts.map((m: Json) =>
        m.destination === "/sys/fs/cgroup" ? { ...m, options: ["nosuid", "noexec", "nodev", "relatime", "rw"] } : m
      )
      s.process.user = { uid: 0, gid: 0 }
    }
  },
  {
    name: "user-namespace",
    rootless: true,
    edit: (s) => {
      s.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }]
      s.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }]
      s.linux.devices = [{ path: "/dev/full", type: "c", major: 1, minor: 7 }]
    }
  },
  {
    name: "paths-sysctl",
    edit: (s) => {
      s.linux.maskedPaths = []
      s.linux.readonlyPaths = ["/proc/sys"]
      s.linux.sysctl = { "kernel.msgmax": "8192", "net.ipv4.ip_forward": "0" }
    }
  },
  {
    name: "sysctl-empty",
    edit: (s) => {
      s.linux.sysctl = {}
      delete s.linux.maskedPaths
      delete s.linux.readonlyPaths
    }
  },
  {
    name: "seccomp",
    edit: (s) => {
      s.linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        defaultErrnoRet: 1,
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        syscalls: [
          { names: ["kexec_load", "open_by_handle_at"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
          {
            names: ["personality"],
            action: "SCMP_ACT_ERRNO",
            args: [{ index: 0, value: 4294967295, op: "SCMP_CMP_EQ" }, { index: 1, value: 8, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }]
          },
          { names: [], action: "SCMP_ACT_LOG" },
          { names: ["bpf"], action: "SCMP_ACT_KILL_PROCESS" }
        ]
      }
    }
  },
  { name: "seccomp-empty", edit: (s) => void (s.linux.seccomp = { defaultAction: "" }) },
  {
    name: "process-fields",
    edit: (s) => {
      s.process.oomScoreAdj = 100
      s.process.noNewPrivileges = false
      s.process.user = { uid: 0, gid: 0, umask: 18, additionalGids: [1, 2] }
      s.process.rlimits = [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }, { type: "RLIMIT_CORE", hard: 18446744073709551615n, soft: 0 }]
      s.process.capabilities = { bounding: ["CAP_KILL"], effective: [], permitted: ["CAP_KILL"] }
      s.process.consoleSize = { height: 24, width: 80 }
    }
  },
  {
    name: "no-capabilities-apparmor",
    edit: (s) => {
      delete s.process.capabilities
      s.process.apparmorProfile = ""
    }
  },
  {
    name: "hooks",
    edit: (s) => {
      const h = (timeout?: number) =>
        timeout === undefined ? { path: "/bin/true", args: ["true", "x"] } : { path: "/bin/true", env: ["A=1"], timeout }
      s.hooks = {
        prestart: [h(), h(5)],
        createRuntime: [h(3)],
        createContainer: [h()],
        startContainer: [h(1)],
        poststart: [h()],
        poststop: [h(10)]
      }
    }
  },
  { name: "rootfs-propagation-rslave", edit: (s) => void (s.linux.rootfsPropagation = "rslave") },
  { name: "no-pivot", noPivot: true, edit: (s) => void (s.linux.rootfsPropagation = "slave") },
  { name: "no-new-keyring", noNewKeyring: true },
  {
    name: "personality-ignored",
    edit: (s) => void (s.linux.personality = { domain: "LINUX", flags: [] })
  },
  {
    name: "case-insensitive-keys",
    edit: (s) => {
      s.PROCESS = s.process
      delete s.process
      s.Linux = s.linux
      delete s.linux
      s.unknownKey = { nested: [1, 2, 3] }
    }
  },
  // Refused by runc before it starts anything.
  { name: "err-no-root", edit: (s) => void delete s.root },
  { name: "err-no-process", edit: (s) => void delete s.process },
  { name: "err-cwd-empty", edit: (s) => void (s.process.cwd = "") },
  { name: "err-cwd-relative", edit: (s) => void (s.process.cwd = "tmp") },
  { name: "err-args-empty", edit: (s) => void (s.process.args = []) },
  { name: "err-selinux-label", edit: (s) => void (s.process.selinuxLabel = "system_u:system_r:container_t:s0") },
  { name: "err-syntax-brace", edit: () => "{\"process\": [}" },
  { name: "err-syntax-eof", edit: () => "{\"ociVersion\": \"1.0.2\", \"process\": {" },
  { name: "err-syntax-literal", edit: () => "{\"process\": tru }" },
  { name: "err-syntax-empty", edit: () => "  \n" },
  { name: "err-type-uid", edit: (s) => void (s.process.user.uid = "0") },
  { name: "err-type-uid-range", edit: (s) => void (s.process.user.uid = -1) },
  { name: "err-type-mounts", edit: (s) => void (s.mounts = { a: 1 }) },
  { name: "err-type-namespace", edit: (s) => void (s.linux.namespaces[0].type = 5) },
  { name: "err-type-rdma", edit: (s) => void (s.linux.resources = { rdma: { mlx: { hcaHandles: "x" } } }) },
  { name: "err-type-toplevel", edit: () => "[1, 2]" },
  { name: "err-namespace-unknown", edit: (s) => void s.linux.namespaces.push({ type: "time" }) },
  { name: "err-namespace-duplicate", edit: (s) => void s.linux.namespaces.push({ type: "pid", path: "/proc/1/ns/pid" }) },
  {
    name: "err-mount-null-byte",
    edit: (s) =>
      void s.mounts.push({
        destination: "/x\u0000y",
        type: "bind",
        source: "/tmp",
        options: ["rbind", "ro"],
        uidMappings: [{ containerID: 0, hostID: 1, size: 2 }]
      })
  },
  { name: "err-rootfs-propagation", edit: (s) => void (s.linux.rootfsPropagation = "weird") },
  { name: "err-no-pivot-private", noPivot: true, edit: (s) => void (s.linux.rootfsPropagation = "rprivate") },
  { name: "err-device-type", edit: (s) => void (s.linux.devices = [{ path: "/dev/x", type: "q", major: 1, minor: 2 }]) },
  { name: "err-cgroup-device-access", edit: (s) => void (s.linux.resources = { devices: [{ allow: true }] }) },
  { name: "err-cgroup-device-type", edit: (s) => void (s.linux.resources = { devices: [{ allow: true, type: "x", access: "r" }] }) },
  { name: "err-seccomp-flags", edit: (s) => void (s.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG"] }) },
  { name: "err-seccomp-arch", edit: (s) => void (s.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_RISCV64"] }) },
  { name: "err-seccomp-action", edit: (s) => void (s.linux.seccomp = { defaultAction: "SCMP_ACT_FOO" }) },
  {
    name: "err-seccomp-operator",
    edit: (s) =>
      void (s.linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["read"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op: "SCMP_CMP_FOO" }] }]
      })
  },
  {
    name: "seccomp-operator-without-names",
    edit: (s) =>
      void (s.linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: [], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op: "SCMP_CMP_FOO" }] }]
      })
  },
  { name: "err-userns-no-uid-mappings", rootless: true, edit: (s) => void delete s.linux.uidMappings },
  { name: "err-userns-empty-gid-mappings", rootless: true, edit: (s) => void (s.linux.gidMappings = []) },
  {
    name: "err-userns-root-unmapped",
    rootless: true,
    edit: (s) => void (s.linux.uidMappings = [{ containerID: 1, hostID: 100000, size: 10 }])
  },
  { name: "err-systemd-cgroups-path", systemd: true, edit: (s) => void (s.linux.cgroupsPath = "/{{CG}}/x") },
  { name: "err-systemd-property-short", systemd: true, edit: (s) => void (s.annotations = { "org.systemd.property.Ab": "1" }) },
  {
    name: "err-systemd-property-letters",
    systemd: true,
    edit: (s) => void (s.annotations = { "org.systemd.property.Cpu1": "1", "other": "2" })
  },
  { name: "err-rlimit", edit: (s) => void (s.process.rlimits = [{ type: "RLIMIT_FOO", hard: 1, soft: 1 }]) },
  // Refused by runc's Validate on the converted config.
  { name: "err-validate-intel-rdt", edit: (s) => void (s.linux.intelRdt = { l3CacheSchema: "L3:0=f" }) },
  {
    name: "err-validate-sysctl-netns",
    edit: (s) => {
      s.linux.sysctl = { "net.ipv4.ip_forward": "1" }
      namespaces(s, "pid", "ipc", "uts", "mount")
    }
  },
  { name: "err-validate-hostname", edit: (s) => void namespaces(s, "pid", "mount") },
  { name: "err-validate-no-mount-ns", edit: (s) => void namespaces(s, "pid", "uts") },
  { name: "err-validate-relative-rootfs-missing", edit: (s) => void (s.root = { path: "missing-rootfs" }) }
]
