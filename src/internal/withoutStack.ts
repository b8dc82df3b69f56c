/**
 * Building an error without capturing a JavaScript stack trace. An errno
 * report from a system call (`open /proc/42/stat: no such file or
 * directory`) says all it has to say in its fields; its stack would only
 * list the layer's own frames, yet capturing it costs several times the
 * system call. Hot paths that fail routinely — a gone process's stat file,
 * a removed cgroup's freezer — build their errors this way. Effect's spans
 * still tell where a failure surfaced.
 */

/** The error `make` builds, with `Error.stackTraceLimit` at 0 while it runs. */
export const withoutStack = <A>(make: () => A): A => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}
