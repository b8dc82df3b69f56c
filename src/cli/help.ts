/**
 * Help and version texts in urfave/cli v1's layout (its `AppHelpTemplate`,
 * `CommandHelpTemplate` and `SubcommandHelpTemplate`, aligned by Go's
 * tabwriter), which is what `runc --help`, `runc help <command>`,
 * `runc <command> --help` and `runc --version` print. Plain text only: no
 * colour, no terminal control, whatever stdout is.
 */
import * as Commands from "./commands.js"
import { type Flag, helpLine } from "./flagset.js"
import * as Tabwriter from "./tabwriter.js"

/** The VERSION section and `--version`'s text after `version `: ours, runc's, the spec's and Node's. */
export const versionDetails = (nodeVersion: string): string =>
  `${Commands.version}\nrunc: ${Commands.runcVersion}\nspec: ${Commands.specVersion}\nnode: ${nodeVersion}`

/** What `--version` prints (urfave's `printVersion`). */
export const versionText = (nodeVersion: string): string =>
  `${Commands.programName} version ${versionDetails(nodeVersion)}\n`

const commandLines = (): string =>
  Commands.commands.map((c) => `\n   ${[c.name, ...c.aliases].join(", ")}\t${c.usage}`).join("")

const flagLines = (flags: ReadonlyArray<Flag>, separator: string): string => flags.map(helpLine).join(separator)

/** What the program's help needs to know beyond the command table. */
export interface AppContext {
  /** The default of `--root` shown in help (runc's, or `$XDG_RUNTIME_DIR/runc` for a rootless user). */
  readonly defaultRoot: string
  readonly nodeVersion: string
}

/** `libcontainer --help`, `libcontainer help`, `libcontainer` alone (urfave's `AppHelpTemplate`). */
export const appHelp = (context: AppContext): string =>
  Tabwriter.format(
    `NAME:
   ${Commands.programName} - ${Commands.appUsage}

USAGE:
   ${Commands.programName} [global options] command [command options] [arguments...]

VERSION:
   ${versionDetails(context.nodeVersion)}

COMMANDS:${commandLines()}

GLOBAL OPTIONS:
   ${flagLines(Commands.globalFlags(context.defaultRoot), "\n   ")}
`,
    Tabwriter.helpLayout
  )

/**
 * `libcontainer help ""` (urfave's `SubcommandHelpTemplate` on the program,
 * which is what an empty help topic shows).
 */
export const appAsCommandHelp = (context: AppContext): string =>
  Tabwriter.format(
    `NAME:
   ${Commands.programName} - ${Commands.appUsage}

USAGE:
   ${Commands.programName} command [command options] [arguments...]

COMMANDS:${commandLines()}

OPTIONS:
   ${Commands.globalFlags(context.defaultRoot).map((f) => `${helpLine(f)}\n   `).join("")}
`,
    Tabwriter.helpLayout
  )

/**
 * `libcontainer help <command>` and `libcontainer <command> --help`
 * (urfave's `CommandHelpTemplate`). Unlike urfave, `help`'s own help names
 * the program too (runc prints an empty name there).
 */
export const commandHelp = (command: Commands.Command): string => {
  const name = `${Commands.programName} ${command.name}`
  const shown = command.flags.filter((f) => f.hidden !== true)
  const options = shown.length > 0
  return Tabwriter.format(
    `NAME:
   ${name} - ${command.usage}

USAGE:
   ${name}${options ? " [command options]" : ""} ${command.argsUsage === "" ? "[arguments...]" : command.argsUsage}${
      command.description === "" ? "" : `

DESCRIPTION:
   ${command.description}`
    }${
      options
        ? `

OPTIONS:
   ${shown.map((f) => `${helpLine(f)}\n   `).join("")}`
        : ""
    }
`,
    Tabwriter.helpLayout
  )
}
