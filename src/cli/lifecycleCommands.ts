/**
 * The commands that make and run containers — `create`, `exec`, `run` and
 * `start` — as runc 1.1.5 declares them (`create.go`, `exec.go`, `run.go`,
 * `start.go`): names, flags, argument counts and help texts, the program's
 * own name where runc names itself. Plain data, read by the command table
 * (`commands.ts`) before anything heavy loads; what each command does is in
 * `create.ts`, `exec.ts`, `run.ts` and `startCommand.ts`.
 */
import type { Command } from "./commands.js"
import { checkInt, type Flag } from "./flagset.js"

const programName = "libcontainer"

const idUsage = `<container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.`

const bundleDescription = (verb: string) =>
  `The ${verb} command creates an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem.

The specification file includes an args parameter. The args parameter is used
to specify command(s) that get run when the container is started. To change the
command(s) that get executed on start, edit the args parameter of the spec. See
"runc spec --help" for more explanation.`

const bundle: Flag = {
  names: ["bundle", "b"],
  takesValue: true,
  usage: "path to the root of the bundle directory, defaults to the current directory"
}
const consoleSocket: Flag = {
  names: ["console-socket"],
  takesValue: true,
  usage:
    "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"
}
const pidFile: Flag = { names: ["pid-file"], takesValue: true, usage: "specify the file to write the process id to" }
const noPivot: Flag = {
  names: ["no-pivot"],
  takesValue: false,
  usage: "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk"
}
const noNewKeyring: Flag = {
  names: ["no-new-keyring"],
  takesValue: false,
  usage:
    "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key"
}
const preserveFds: Flag = {
  names: ["preserve-fds"],
  takesValue: true,
  defaultValue: "0",
  check: checkInt,
  usage: "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"
}
const detach: Flag = { names: ["detach", "d"], takesValue: false, usage: "detach from the container's process" }

const command = (fields: Pick<Command, "name" | "usage" | "argsUsage" | "description" | "flags" | "arity"> & Partial<Command>): Command => ({
  aliases: [],
  skipArgReorder: false,
  ...fields
})

/** `create`: runc's flags and help. */
export const create: Command = command({
  name: "create",
  usage: "create a container",
  argsUsage: idUsage,
  description: bundleDescription("create"),
  flags: [bundle, consoleSocket, pidFile, noPivot, noNewKeyring, preserveFds],
  arity: { exactly: 1 }
})

/** `exec`: runc's flags and help; its flags must come before the container id. */
export const exec: Command = command({
  name: "exec",
  usage: "execute new process inside the container",
  argsUsage: `<container-id> <command> [command options]  || -p process.json <container-id>

Where "<container-id>" is the name for the instance of the container and
"<command>" is the command to be executed in the container.
"<command>" can't be empty unless a "-p" flag provided.

EXAMPLE:
For example, if the container is configured to run the linux ps command the
following will output a list of processes running in the container:

       # ${programName} exec <container-id> ps`,
  description: "",
  flags: [
    consoleSocket,
    { names: ["cwd"], takesValue: true, usage: "current working directory in the container" },
    { names: ["env", "e"], takesValue: true, kind: "strings", usage: "set environment variables" },
    { names: ["tty", "t"], takesValue: false, usage: "allocate a pseudo-TTY" },
    { names: ["user", "u"], takesValue: true, usage: "UID (format: <uid>[:<gid>])" },
    { names: ["additional-gids", "g"], takesValue: true, kind: "int64s", usage: "additional gids" },
    { names: ["process", "p"], takesValue: true, usage: "path to the process.json" },
    detach,
    pidFile,
    {
      names: ["process-label"],
      takesValue: true,
      usage: "set the asm process label for the process commonly used with selinux"
    },
    { names: ["apparmor"], takesValue: true, usage: "set the apparmor profile for the process" },
    { names: ["no-new-privs"], takesValue: false, usage: "set the no new privileges value for the process" },
    { names: ["cap", "c"], takesValue: true, kind: "strings", usage: "add a capability to the bounding set for the process" },
    preserveFds,
    {
      names: ["cgroup"],
      takesValue: true,
      kind: "strings",
      usage: "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>."
    },
    { names: ["ignore-paused"], takesValue: false, usage: "allow exec in a paused container" }
  ],
  arity: { min: 1 },
  skipArgReorder: true
})

/** `run`: runc's flags and help. */
export const run: Command = command({
  name: "run",
  usage: "create and run a container",
  argsUsage: idUsage,
  description: bundleDescription("run"),
  flags: [
    bundle,
    consoleSocket,
    detach,
    { names: ["keep"], takesValue: false, usage: "do not delete the container after it exits" },
    pidFile,
    {
      names: ["no-subreaper"],
      takesValue: false,
      usage: "disable the use of the subreaper used to reap reparented processes"
    },
    noPivot,
    noNewKeyring,
    preserveFds
  ],
  arity: { exactly: 1 }
})

/** `start`: runc's help; no flags. */
export const start: Command = command({
  name: "start",
  usage: "executes the user defined process in a created container",
  argsUsage: idUsage,
  description: "The start command executes the user defined process in a created container.",
  flags: [],
  arity: { exactly: 1 }
})
