/**
 * Network counters of a container's veth (`libcontainer/network_linux.go`
 * `getNetworkInterfaceStats`): the host side's
 * `/sys/class/net/<name>/statistics/*`, with transmit and receive swapped —
 * what the host end sends, the container receives.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { NetworkInterface } from "./events.js"
import { parseUintError, trimSpace } from "./goText.js"
import type { StatReader } from "./reader.js"
import { parseUint } from "../../strconv.js"

/** A counter file that is not a uint64: the bare `strconv` error, as runc returns it. */
export class NetworkStatParseError extends Data.TaggedError("NetworkStatParseError")<{
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

const counters: ReadonlyArray<readonly [keyof Omit<NetworkInterface, "Name">, string]> = [
  ["RxBytes", "tx_bytes"],
  ["RxPackets", "tx_packets"],
  ["RxErrors", "tx_errors"],
  ["RxDropped", "tx_dropped"],
  ["TxBytes", "rx_bytes"],
  ["TxPackets", "rx_packets"],
  ["TxErrors", "rx_errors"],
  ["TxDropped", "rx_dropped"]
]

/**
 * The counters of host interface `name`, read in runc's order through
 * `reader` from `/sys/class/net/<name>/statistics`. An empty name (a
 * container whose network state was not recorded) gives zeros without a read.
 */
export const interfaceStats = <E extends { readonly message: string }>(
  reader: StatReader<E>,
  name: string
): Effect.Effect<NetworkInterface, E | NetworkStatParseError> =>
  Effect.gen(function*() {
    const out: { -readonly [K in keyof NetworkInterface]: NetworkInterface[K] } = {
      Name: name,
      RxBytes: 0n,
      RxPackets: 0n,
      RxErrors: 0n,
      RxDropped: 0n,
      TxBytes: 0n,
      TxPackets: 0n,
      TxErrors: 0n,
      TxDropped: 0n
    }
    if (name === "") return out
    for (const [field, file] of counters) {
      const text = trimSpace(yield* reader.read(`/sys/class/net/${name}/statistics`, file))
      const value = parseUint(text, 10, 64)
      if (value._tag === "Err") return yield* new NetworkStatParseError({ reason: parseUintError(text, value.kind) })
      out[field] = value.value
    }
    return out
  })
