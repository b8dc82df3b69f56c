/**
 * What `libcontainer` accepts: runc's global flags and the eleven runc
 * commands it implements, plus urfave's `help`, with runc's names, flags,
 * argument counts and help texts (the program's own name where runc names
 * itself). `help.ts` lays them out; `invocation.ts` reads a command line
 * against them.
 */
import { checkDuration, checkInt, type Flag } from "./flagset.js"
import * as Lifecycle from "./lifecycleCommands.js"

/** The program's name, in help and in usage errors (runc's `os.Args[0]`). */
export const programName = "libcontainer"

/** This package's version (package.json's; a test keeps them equal). */
export const version = "0.1.0"

/** The runc release whose command line and output this CLI reproduces. */
export const runcVersion = "1.1.5"

/** The runtime-spec version runc 1.1.5 reports in `--version` (`specs.Version`). */
export const specVersion = "1.0.2-dev"

/** runc's default state root. */
export const defaultRoot = "/run/runc"

/** How many arguments a command takes, checked as runc's `checkArgs` does. */
export interface Arity {
  readonly exactly?: number
  readonly min?: number
  readonly max?: number
}

/** A command as urfave/cli v1 declares it. */
export interface Command {
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  /** One line, shown in the command list and after the name in the command's help. */
  readonly usage: string
  /** What follows `[command options]` in the USAGE section (runc's `ArgsUsage`). */
  readonly argsUsage: string
  readonly description: string
  readonly flags: ReadonlyArray<Flag>
  readonly arity: Arity
  /** urfave's `SkipArgReorder`: flags after the first argument are arguments (`ps`, whose extra arguments go to ps). */
  readonly skipArgReorder: boolean
}

const formatFlag: Flag = {
  names: ["format", "f"],
  takesValue: true,
  usage: "select one of: table or json",
  defaultValue: "table"
}

const updateResourcesUsage = `path to the file containing the resources to update or '-' to read from the standard input

The accepted format is as follow (unchanged values can be omitted):

{
  "memory": {
    "limit": 0,
    "reservation": 0,
    "swap": 0
  },
  "cpu": {
    "shares": 0,
    "quota": 0,
    "period": 0,
    "realtimeRuntime": 0,
    "realtimePeriod": 0,
    "cpus": "",
    "mems": ""
  },
  "blockIO": {
    "weight": 0
  }
}

Note: if data is to be read from a file or the standard input, all
other options are ignored.
`

const stringFlag = (name: string, usage: string, hidden = false): Flag => ({
  names: [name],
  takesValue: true,
  usage,
  defaultValue: "",
  ...(hidden ? { hidden } : {})
})

const intFlag = (name: string, usage: string): Flag => ({ names: [name], takesValue: true, usage, defaultValue: "0", check: checkInt })

/** `update`'s flags, in runc 1.1.5's order (`--cpu-share` singular, as runc spells it; the kernel memory ones hidden). */
const updateFlags: ReadonlyArray<Flag> = [
  { names: ["resources", "r"], takesValue: true, usage: updateResourcesUsage, defaultValue: "" },
  intFlag("blkio-weight", "Specifies per cgroup weight, range is from 10 to 1000"),
  stringFlag("cpu-period", "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
  stringFlag("cpu-quota", "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
  stringFlag("cpu-share", "CPU shares (relative weight vs. other containers)"),
  stringFlag("cpu-rt-period", "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"),
  stringFlag("cpu-rt-runtime", "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"),
  stringFlag("cpuset-cpus", "CPU(s) to use"),
  stringFlag("cpuset-mems", "Memory node(s) to use"),
  stringFlag("kernel-memory", "(obsoleted; do not use)", true),
  stringFlag("kernel-memory-tcp", "(obsoleted; do not use)", true),
  stringFlag("memory", "Memory limit (in bytes)"),
  stringFlag("memory-reservation", "Memory reservation or soft_limit (in bytes)"),
  stringFlag("memory-swap", "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
  intFlag("pids-limit", "Maximum number of pids allowed in the container"),
  stringFlag("l3-cache-schema", "The string of Intel RDT/CAT L3 cache schema"),
  stringFlag("mem-bw-schema", "The string of Intel RDT/MBA memory bandwidth schema")
]

const command = (
  fields: Pick<Command, "name" | "usage" | "argsUsage"> & Partial<Omit<Command, "name" | "usage" | "argsUsage">>
): Command => ({ aliases: [], description: "", flags: [], arity: {}, skipArgReorder: false, ...fields })

/** The commands, in runc's order, then `help`. */
export const commands: ReadonlyArray<Command> = [
  Lifecycle.create,
  command({
    name: "delete",
    usage: "delete any resources held by the container often used with detached container",
    argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container.

EXAMPLE:
For example, if the container id is "ubuntu01" and ${programName} list currently shows the
status of "ubuntu01" as "stopped" the following will delete resources held for
"ubuntu01" removing "ubuntu01" from the ${programName} list of containers:

       # ${programName} delete ubuntu01`,
    flags: [{
      names: ["force", "f"],
      takesValue: false,
      usage: "Forcibly deletes the container if it is still running (uses SIGKILL)"
    }],
    arity: { exactly: 1 }
  }),
  command({
    name: "events",
    usage: "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
    argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container.`,
    description: `The events command displays information about the container. By default the
information is displayed once every 5 seconds.`,
    flags: [
      {
        names: ["interval"],
        takesValue: true,
        usage: "set the stats collection interval",
        defaultValue: "5s",
        check: checkDuration
      },
      { names: ["stats"], takesValue: false, usage: "display the container's stats then exit" }
    ],
    arity: { exactly: 1 }
  }),
  Lifecycle.exec,
  command({
    name: "kill",
    usage: "kill sends the specified signal (default: SIGTERM) to the container's init process",
    argsUsage: `<container-id> [signal]

Where "<container-id>" is the name for the instance of the container and
"[signal]" is the signal to be sent to the init process.

EXAMPLE:
For example, if the container id is "ubuntu01" the following will send a "KILL"
signal to the init process of the "ubuntu01" container:

       # ${programName} kill ubuntu01 KILL`,
    flags: [{
      names: ["all", "a"],
      takesValue: false,
      usage: "send the specified signal to all processes inside the container"
    }],
    arity: { min: 1, max: 2 }
  }),
  command({
    name: "list",
    usage: "lists containers started by runc with the given root",
    argsUsage: `

Where the given root is specified via the global option "--root"
(default: "${defaultRoot}").

EXAMPLE 1:
To list containers created via the default "--root":
       # ${programName} list

EXAMPLE 2:
To list containers created using a non-default value for "--root":
       # ${programName} --root value list`,
    flags: [formatFlag, { names: ["quiet", "q"], takesValue: false, usage: "display only container IDs" }],
    arity: { exactly: 0 }
  }),
  command({
    name: "pause",
    usage: "pause suspends all processes inside the container",
    argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
paused. `,
    description: `The pause command suspends all processes in the instance of the container.

Use ${programName} list to identify instances of containers and their current status.`,
    arity: { exactly: 1 }
  }),
  command({
    name: "ps",
    usage: "ps displays the processes running inside a container",
    argsUsage: "<container-id> [ps options]",
    flags: [formatFlag],
    arity: { min: 1 },
    skipArgReorder: true
  }),
  command({
    name: "resume",
    usage: "resumes all processes that have been previously paused",
    argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
resumed.`,
    description: `The resume command resumes all processes in the instance of the container.

Use ${programName} list to identify instances of containers and their current status.`,
    arity: { exactly: 1 }
  }),
  Lifecycle.run,
  Lifecycle.start,
  command({
    name: "state",
    usage: "output the state of a container",
    argsUsage: `<container-id>

Where "<container-id>" is your name for the instance of the container.`,
    description: `The state command outputs current state information for the
instance of a container.`,
    arity: { exactly: 1 }
  }),
  command({
    name: "update",
    usage: "update container resource constraints",
    argsUsage: "<container-id>",
    flags: updateFlags,
    arity: { exactly: 1 }
  }),
  command({
    name: "help",
    aliases: ["h"],
    usage: "Shows a list of commands or help for one command",
    argsUsage: "[command]"
  })
]

/** The command called `name` (or aliased so). */
export const commandNamed = (name: string): Command | undefined =>
  commands.find((c) => c.name === name || c.aliases.includes(name))

/** urfave's help flag, accepted by the program and by every command. */
export const helpFlag: Flag = { names: ["help", "h"], takesValue: false, usage: "show help" }

/** urfave's version flag. */
export const versionFlag: Flag = { names: ["version", "v"], takesValue: false, usage: "print the version" }

/** runc's global flags, with `--root`'s default as given, then help and version. */
export const globalFlags = (root: string): ReadonlyArray<Flag> => [
  { names: ["debug"], takesValue: false, usage: "enable debug logging" },
  {
    names: ["log"],
    takesValue: true,
    usage: `set the log file to write ${programName} logs to (default is '/dev/stderr')`,
    defaultValue: ""
  },
  {
    names: ["log-format"],
    takesValue: true,
    usage: "set the log format ('text' (default), or 'json')",
    defaultValue: "text"
  },
  {
    names: ["root"],
    takesValue: true,
    usage: "root directory for storage of container state (this should be located in tmpfs)",
    defaultValue: root
  },
  {
    names: ["criu"],
    takesValue: true,
    usage: "path to the criu binary used for checkpoint and restore (accepted for compatibility; there is no checkpoint or restore here)",
    defaultValue: "criu"
  },
  {
    names: ["systemd-cgroup"],
    takesValue: false,
    usage: "enable systemd cgroup support (accepted for compatibility; these commands read the cgroup driver from each container's state, as runc's do)"
  },
  {
    names: ["rootless"],
    takesValue: true,
    usage: "ignore cgroup permission errors ('true', 'false', or 'auto')",
    defaultValue: "auto"
  },
  helpFlag,
  versionFlag
]

/** The program's description: runc's NAME paragraph, told of this program. */
export const appUsage = `Open Container Initiative runtime state tool

${programName} is a command line client for the containers in a runc state root,
built on effect-libcontainer. It creates, starts and runs containers from
bundles, executes processes in them, lists them and shows their state and
processes, and pauses, resumes, signals and deletes them, with the output,
error lines and exit statuses of runc ${runcVersion} on the same root.

A container's init is set up by the OCI runtime binary (runc by default,
or $LIBCONTAINER_RUNTIME): create, run and exec run it; everything else,
start included, is done here. Both work on the same "--root".`
