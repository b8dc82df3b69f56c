/**
 * Where the CLI's output goes, and what a failed write means. A command
 * writes through {@link Output}; the real one ({@link processOutput}) writes
 * synchronously to file descriptors 1 and 2 and fails as a Go program does:
 *
 * - a broken pipe (`libcontainer state c | head -c 10`) ends the process
 *   with SIGPIPE, quietly, as it ends runc (status 141 in a shell);
 * - any other error (`> /dev/full`, a closed stdout) is a {@link WriteFailed}
 *   with Go's text, `write /dev/stdout: no space left on device`, which the
 *   command reports as its error (exit status 1): output that was not
 *   written is never a success.
 *
 * {@link Buffered} gathers small writes into pieces of 64 KiB, so a long
 * listing is written as it is produced instead of held whole.
 */
import { writeSync } from "node:fs"
import * as Errno from "../internal/errno.js"

/** `write /dev/stdout: <reason>` — stdout refused the output (Go's `*PathError` from `os.Stdout.Write`). */
export class WriteFailed extends Error {
  readonly _tag = "WriteFailed"
  constructor(readonly code: string) {
    super(`write /dev/stdout: ${Errno.textOf(code)}`)
  }
}

/** The CLI's two output streams. */
export interface Output {
  /** Writes to stdout; returns why when the text could not be written. */
  readonly stdout: (text: string) => void | WriteFailed
  /** Writes to stderr; a failure there has nowhere to be reported and is dropped. */
  readonly stderr: (text: string) => void
}

const errnoCode = (e: unknown): string =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : "EIO"

const pause = new Int32Array(new SharedArrayBuffer(4))

/**
 * Writes all of `bytes` to `fd`, waiting out `EAGAIN` (a non-blocking pipe
 * that is full) and resuming after a partial write. Returns the errno code
 * of a failure.
 */
const writeAll = (fd: number, bytes: Uint8Array): string | undefined => {
  let offset = 0
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset)
    } catch (e) {
      const code = errnoCode(e)
      if (code !== "EAGAIN" && code !== "EINTR") return code
      Atomics.wait(pause, 0, 0, 1)
    }
  }
  return undefined
}

/**
 * Ends the process by SIGPIPE, as Go's runtime does after a write to a
 * broken stdout or stderr pipe. Node ignores SIGPIPE; adding and removing a
 * listener puts back the default action, which the signal then takes.
 */
export const dieOfBrokenPipe = (): never => {
  const listener = () => undefined
  process.on("SIGPIPE", listener)
  process.off("SIGPIPE", listener)
  process.kill(process.pid, "SIGPIPE")
  // only if SIGPIPE was blocked: the status a shell would report
  process.exit(128 + 13)
}

/** How {@link processOutput} finds stdout. */
export interface ProcessOutputOptions {
  /**
   * Stdout was closed when the program started (the launcher checks, as
   * Node replaces a closed descriptor with /dev/null): every write then
   * fails with `bad file descriptor`, as it does for runc.
   */
  readonly stdoutClosed?: boolean
}

const encoder = new TextEncoder()

/** The process's stdout and stderr (descriptors 1 and 2), written synchronously. */
export const processOutput = (options: ProcessOutputOptions = {}): Output => ({
  stdout: (text) => {
    if (text.length === 0) return undefined
    if (options.stdoutClosed === true) return new WriteFailed("EBADF")
    const code = writeAll(1, encoder.encode(text))
    if (code === "EPIPE") dieOfBrokenPipe()
    return code === undefined ? undefined : new WriteFailed(code)
  },
  stderr: (text) => {
    if (writeAll(2, encoder.encode(text)) === "EPIPE") dieOfBrokenPipe()
  }
})

/**
 * Gathers writes to `stdout` and passes them on in pieces of 64 KiB (and at
 * {@link Buffered.flush}). The first failure is kept; later writes are
 * dropped, and {@link Buffered.flush} returns it.
 */
export class Buffered {
  private pending = ""
  private failure: WriteFailed | undefined

  constructor(private readonly stdout: Output["stdout"], private readonly size = 64 * 1024) {}

  /** Adds `text`; passes the gathered text on once it reaches the piece size. */
  write(text: string): void {
    if (this.failure !== undefined) return
    this.pending += text
    if (this.pending.length >= this.size) this.send()
  }

  /** Passes on what is gathered; the first failure of any write so far, if any. */
  flush(): WriteFailed | undefined {
    this.send()
    return this.failure
  }

  private send(): void {
    if (this.failure !== undefined || this.pending.length === 0) return
    const text = this.pending
    this.pending = ""
    const failed = this.stdout(text)
    if (failed !== undefined) this.failure = failed
  }
}
