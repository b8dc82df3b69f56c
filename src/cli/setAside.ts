/**
 * Environment the executable's shell prelude (`scripts/build-cli.ts`,
 * `launcherPrelude`) keeps from node and the launcher puts back.
 *
 * `NODE_EXTRA_CA_CERTS` is read by node once, as it starts: every
 * certificate in the file is parsed into a store for TLS (with a system
 * bundle, `/etc/ssl/certs/ca-certificates.crt`, 35–40 ms of every start
 * here — more than the rest of node's start-up). The CLI opens no TLS
 * connection, so the prelude moves the variable to
 * {@link setAsideVariable} before starting node, and the launcher moves it
 * back into `process.env` before anything runs, so that the programs the
 * CLI starts (the OCI runtime, `ps`) get the environment the CLI was given.
 */

/** Where the prelude keeps `NODE_EXTRA_CA_CERTS` while node starts. */
export const setAsideVariable = "LIBCONTAINER_NODE_EXTRA_CA_CERTS"

/** The prelude's shell code that moves `NODE_EXTRA_CA_CERTS` aside, set or set empty; one line, no `${`. */
export const setAsideShell =
  `unset ${setAsideVariable}; if [ -n "\${NODE_EXTRA_CA_CERTS+set}" ]; then ` +
  `${setAsideVariable}=$NODE_EXTRA_CA_CERTS; export ${setAsideVariable}; unset NODE_EXTRA_CA_CERTS; fi;`

/** Puts back in `env` what the prelude set aside (nothing when it set nothing aside). */
export const restoreSetAside = (env: Record<string, string | undefined>): void => {
  const saved = env[setAsideVariable]
  if (saved === undefined) return
  delete env[setAsideVariable]
  env["NODE_EXTRA_CA_CERTS"] = saved
}
