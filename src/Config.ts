/**
 * runc's container configuration (`libcontainer/configs.Config`) as it is
 * stored in state.json, with the JSON key names as property names.
 *
 * Decoding follows Go's `encoding/json` (keys case-insensitive, unknown keys
 * ignored, `null` and missing mean the zero value); encoding writes the bytes
 * runc writes (field order, `omitempty`, the custom `Hooks` form, sorted map
 * keys, Go string escaping). 64-bit integers are `bigint`s, so a uint64 such
 * as the rlimit infinity 18446744073709551615 survives a round trip.
 *
 * @since 0.1.0
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import type * as FastCheck from "effect/FastCheck"
import type * as Schema from "effect/Schema"
import type { JsonDecodeError, JsonEncodeError } from "./ContainerError.js"
import { decodeDocument, encodeDocument } from "./internal/json/GoDecode.js"
import { stringify } from "./internal/json/GoJson.js"
import { fromType, type GoSchema, zeroOf } from "./internal/json/GoSchema.js"
import * as Types from "./internal/runcTypes.js"

export {
  /** The six hook names runc knows, in the order runc writes them (sorted). */
  hookNames,
  type HookName,
  /** The `/proc/<pid>/ns/<name>` file name of each namespace kind (`NsName`). */
  namespaceProcName,
  type NamespaceType,
  /** The namespace kinds, in runc's canonical order (`NamespaceTypes()`). */
  namespaceTypes
} from "./internal/runcTypes.js"

// The schemas of runc's config types, derived from their one definition as Go types (`internal/runcTypes.ts`).

// ---------------------------------------------------------------------------
// Hooks

/** A command hook (`configs.CommandHook`, embedding `configs.Command`): what runc can serialise of a hook. */
export const CommandHook = fromType(Types.CommandHook)
/** @category model */
export interface CommandHook extends Schema.Schema.Type<typeof CommandHook> {}

/** Hooks by name. Decoding keeps any name verbatim; encoding writes only the six known ones. */
export type Hooks = Readonly<Record<string, ReadonlyArray<CommandHook>>>

/**
 * runc's `configs.Hooks` with its own JSON form (`UnmarshalJSON` and
 * `MarshalJSON` in `libcontainer/configs/config.go`): decoding reads the
 * value as `map[HookName][]CommandHook` — `null` is an empty map —, starts
 * from no hooks, drops names without hooks and keeps unknown names;
 * encoding always writes the six known names in sorted order, `null` for a
 * name without hooks.
 */
export const HooksSchema: GoSchema<Hooks> = fromType(Types.Hooks)

// ---------------------------------------------------------------------------
// Namespaces

/** A namespace to create (`path` empty) or join (`path` set). */
export const Namespace = fromType(Types.Namespace)
/** @category model */
export interface Namespace extends Schema.Schema.Type<typeof Namespace> {}

// ---------------------------------------------------------------------------
// Mounts

/** `unix.MountAttr`, with Go's capitalised field names (no JSON tags). */
export const MountAttr = fromType(Types.MountAttr)

/** A uid/gid mapping (`configs.IDMap`). */
export const IDMap = fromType(Types.IDMap)
/** @category model */
export interface IDMap extends Schema.Schema.Type<typeof IDMap> {}

/** A mount (`configs.Mount`). */
export const Mount = fromType(Types.Mount)
/** @category model */
export interface Mount extends Schema.Schema.Type<typeof Mount> {}

// ---------------------------------------------------------------------------
// Devices

/** A cgroup device rule (`devices.Rule`). */
export const DeviceRule = fromType(Types.DeviceRule)
/** @category model */
export interface DeviceRule extends Schema.Schema.Type<typeof DeviceRule> {}

/** A device node to create (`devices.Device`: the rule fields, then the node's). */
export const Device = fromType(Types.Device)
/** @category model */
export interface Device extends Schema.Schema.Type<typeof Device> {}

// ---------------------------------------------------------------------------
// Cgroups

/** The freezer states: `""` undefined, `FROZEN`, `THAWED`. */
export const FreezerState = fromType(Types.FreezerState)

/** Cgroup resource limits (`configs.Resources`), inlined into the `cgroups` object. */
export const Resources = fromType(Types.Resources)
/** @category model */
export interface Resources extends Schema.Schema.Type<typeof Resources> {}

/**
 * The container's cgroup (`configs.Cgroup`). In JSON the resource keys sit
 * directly in this object; here they are under `Resources`, which is absent
 * when none of them was present (runc's nil `*Resources`).
 */
export const Cgroup = fromType(Types.Cgroup)
/** @category model */
export interface Cgroup extends Schema.Schema.Type<typeof Cgroup> {}

// ---------------------------------------------------------------------------
// Security, network, limits

/** Capability sets (`configs.Capabilities`), capitalised keys as Go writes them. */
export const Capabilities = fromType(Types.Capabilities)

/** A network interface to set up (`configs.Network`). */
export const Network = fromType(Types.Network)

/** A route (`configs.Route`). */
export const Route = fromType(Types.Route)

/** A resource limit (`configs.Rlimit`); 18446744073709551615n is infinity. */
export const Rlimit = fromType(Types.Rlimit)

/** A seccomp filter (`configs.Seccomp`). */
export const Seccomp = fromType(Types.Seccomp)

/** Intel RDT settings (`configs.IntelRdt`); all keys omitted when empty. */
export const IntelRdt = fromType(Types.IntelRdt)
/** @category model */
export interface IntelRdt extends Schema.Schema.Type<typeof IntelRdt> {}

/** A time namespace offset (`specs.LinuxTimeOffset`). */
export const TimeOffset = fromType(Types.TimeOffset)

/** Scheduling parameters (`configs.Scheduler`, an alias of `specs.Scheduler`). */
export const Scheduler = fromType(Types.Scheduler)
/** @category model */
export interface Scheduler extends Schema.Schema.Type<typeof Scheduler> {}

/** The execution domain (`configs.LinuxPersonality`). */
export const Personality = fromType(Types.Personality)

// ---------------------------------------------------------------------------
// Config

/**
 * runc's `configs.Config`, in state.json's key order. `Hooks` is absent only
 * when a decoded document had no `Hooks` key at all (runc's nil map);
 * {@link make} sets it to `{}`, which is written as six `null` lists.
 */
export const Config = fromType(Types.Config)
/** @category model */
export interface Config extends Schema.Schema.Type<typeof Config> {}

/**
 * A config from the fields given, every other field at runc's zero value and
 * `Hooks` present but empty — what runc writes for a config built in Go.
 */
export const make = (fields: Partial<Config> = {}): Config => ({ ...zeroOf(Config), Hooks: {}, ...fields })

/** A cgroup with no resources set, named by `path`. */
export const makeCgroup = (fields: Partial<Cgroup> = {}): Cgroup => ({ ...zeroOf(Cgroup), ...fields })

/** Resources with every limit at its zero value (runc's `&configs.Resources{}`). */
export const makeResources = (fields: Partial<Resources> = {}): Resources => ({ ...zeroOf(Resources), ...fields })

/**
 * Decodes runc's config JSON with Go's rules. Fails with a
 * {@link JsonDecodeError} naming the offending field.
 */
export const decodeJson = (text: string | Uint8Array): Either.Either<Config, JsonDecodeError> =>
  decodeDocument(Config, "Config", text)

/**
 * Encodes a config exactly as runc's `json.Marshal` writes it (compact, no
 * newline). Fails only for a value that is not a valid config (say a
 * fractional number where Go has an integer).
 */
export const encodeJson = (config: Config): Either.Either<string, JsonEncodeError> =>
  Either.map(encodeDocument(Config, "Config", config), stringify)

/**
 * A fast-check arbitrary of configs (every field, uint64s beyond 2^53
 * included), for property tests. Built when called, never at import.
 */
export const arbitrary = (): FastCheck.Arbitrary<Config> => Arbitrary.make(Config)
