/**
 * The simulated host's filesystem adapter: the Filesystem port's system
 * calls on its one tree ({@link MemoryFs}), so every derived operation —
 * `MkdirAll`, `RemoveAll`, the atomic replace, the confined removal, the
 * lock loop — is the same code the real host runs.
 */
import { type FilesystemService, make as makeService } from "../Filesystem.js"
import { type MemoryFs, syscallsOf } from "./MemoryFs.js"

/** The Filesystem service on `fs`. */
export const make = (fs: MemoryFs): FilesystemService => makeService(syscallsOf(fs))
