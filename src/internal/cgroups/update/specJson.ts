/**
 * The `runc update -r` document: the OCI `specs.LinuxResources` (runtime-spec
 * as vendored by runc 1.1.5) decoded the way runc's update command decodes
 * it — with `json.Decoder.Decode` into a value whose memory, cpu, blockIO and
 * pids parts are already allocated with zeros. So a key left out keeps its
 * zero, a `null` clears a pointer (which runc then dereferences: see
 * `update.ts`), and a type mismatch fails with Go 1.19's
 * `json: cannot unmarshal … into Go struct field <Struct>.<path> of type …`.
 * The parts runc does not use are type-checked all the same, as Go does.
 */
import * as Either from "effect/Either"
import { JsonNumber, type JsonValue, kindOf, parseJson } from "../../json/GoJson.js"
import { foldKey } from "../../json/GoSchema.js"
import { parseInt, parseUint } from "../../strconv.js"

/** A Go type of the document, enough to decode or type-check a value against it. */
type GoType =
  | { readonly kind: "int"; readonly name: string; readonly bits: number }
  | { readonly kind: "uint"; readonly name: string; readonly bits: number }
  | { readonly kind: "string" | "bool" }
  | { readonly kind: "pointer"; readonly elem: GoType }
  | { readonly kind: "slice"; readonly elem: GoType }
  | { readonly kind: "map"; readonly elem: GoType }
  | { readonly kind: "struct"; readonly name: string; readonly fields: ReadonlyArray<readonly [string, GoType]> }

const int64: GoType = { kind: "int", name: "int64", bits: 64 }
const uint64: GoType = { kind: "uint", name: "uint64", bits: 64 }
const uint32: GoType = { kind: "uint", name: "uint32", bits: 32 }
const uint16: GoType = { kind: "uint", name: "uint16", bits: 16 }
const string: GoType = { kind: "string" }
const bool: GoType = { kind: "bool" }
const ptr = (elem: GoType): GoType => ({ kind: "pointer", elem })
const slice = (elem: GoType): GoType => ({ kind: "slice", elem })
const struct = (name: string, fields: ReadonlyArray<readonly [string, GoType]>): GoType => ({ kind: "struct", name, fields })

const deviceFields: ReadonlyArray<readonly [string, GoType]> = [["major", int64], ["minor", int64]]
const throttleDevice = struct("specs.LinuxThrottleDevice", [...deviceFields, ["rate", uint64]])

const linuxMemory = struct("specs.LinuxMemory", [
  ["limit", ptr(int64)],
  ["reservation", ptr(int64)],
  ["swap", ptr(int64)],
  ["kernel", ptr(int64)],
  ["kernelTCP", ptr(int64)],
  ["swappiness", ptr(uint64)],
  ["disableOOMKiller", ptr(bool)],
  ["useHierarchy", ptr(bool)]
])

const linuxCPU = struct("specs.LinuxCPU", [
  ["shares", ptr(uint64)],
  ["quota", ptr(int64)],
  ["period", ptr(uint64)],
  ["realtimeRuntime", ptr(int64)],
  ["realtimePeriod", ptr(uint64)],
  ["cpus", string],
  ["mems", string]
])

const linuxBlockIO = struct("specs.LinuxBlockIO", [
  ["weight", ptr(uint16)],
  ["leafWeight", ptr(uint16)],
  ["weightDevice", slice(struct("specs.LinuxWeightDevice", [...deviceFields, ["weight", ptr(uint16)], ["leafWeight", ptr(uint16)]]))],
  ["throttleReadBpsDevice", slice(throttleDevice)],
  ["throttleWriteBpsDevice", slice(throttleDevice)],
  ["throttleReadIOPSDevice", slice(throttleDevice)],
  ["throttleWriteIOPSDevice", slice(throttleDevice)]
])

const linuxPids = struct("specs.LinuxPids", [["limit", int64]])

const linuxResources = struct("specs.LinuxResources", [
  [
    "devices",
    slice(struct("specs.LinuxDeviceCgroup", [
      ["allow", bool],
      ["type", string],
      ["major", ptr(int64)],
      ["minor", ptr(int64)],
      ["access", string]
    ]))
  ],
  ["memory", ptr(linuxMemory)],
  ["cpu", ptr(linuxCPU)],
  ["pids", ptr(linuxPids)],
  ["blockIO", ptr(linuxBlockIO)],
  ["hugepageLimits", slice(struct("specs.LinuxHugepageLimit", [["pageSize", string], ["limit", uint64]]))],
  [
    "network",
    ptr(struct("specs.LinuxNetwork", [
      ["classID", ptr(uint32)],
      ["priorities", slice(struct("specs.LinuxInterfacePriority", [["name", string], ["priority", uint32]]))]
    ]))
  ],
  ["rdma", { kind: "map", elem: struct("specs.LinuxRdma", [["hcaHandles", ptr(uint32)], ["hcaObjects", ptr(uint32)]]) }],
  ["unified", { kind: "map", elem: string }]
])

const typeName = (t: GoType): string => {
  switch (t.kind) {
    case "int":
    case "uint":
      return t.name
    case "string":
    case "bool":
      return t.kind
    case "pointer":
      return `*${typeName(t.elem)}`
    case "slice":
      return `[]${typeName(t.elem)}`
    case "map":
      return `map[string]${typeName(t.elem)}`
    case "struct":
      return t.name
  }
}

/** Where the decoder is, for Go's error text: the innermost struct and the JSON field names from the top. */
interface Context {
  readonly struct: string | undefined
  readonly fields: ReadonlyArray<string>
}

const mismatch = (value: string, t: GoType, ctx: Context): string =>
  ctx.struct === undefined
    ? `json: cannot unmarshal ${value} into Go value of type ${typeName(t)}`
    : `json: cannot unmarshal ${value} into Go struct field ${ctx.struct}.${ctx.fields.join(".")} of type ${typeName(t)}`

const isObject = (v: JsonValue): v is { readonly [key: string]: JsonValue } =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof JsonNumber)

/** A decoded Go value: numbers as bigints, pointers and nil slices/maps as `null`, structs as records of their fields. */
type GoValue = null | boolean | string | bigint | ReadonlyArray<GoValue> | { readonly [key: string]: GoValue }

const shortName = (name: string): string => name.slice(name.lastIndexOf(".") + 1)

/**
 * Go's `decodeState.value` for `t`, applied onto `current` (Go decodes into
 * existing values: a struct keeps fields the object does not name, a map keeps
 * its keys). The first type error is remembered and decoding goes on, as Go's
 * `saveError` does; the caller reports it.
 */
const decodeInto = (
  value: JsonValue,
  t: GoType,
  current: GoValue,
  ctx: Context,
  errors: Array<string>
): GoValue => {
  if (value === null) {
    // null: pointers, slices and maps become nil; anything else is left alone
    return t.kind === "pointer" || t.kind === "slice" || t.kind === "map" ? null : current
  }
  switch (t.kind) {
    case "pointer":
      return decodeInto(value, t.elem, current ?? zeroOf(t.elem), ctx, errors)
    case "struct": {
      if (!isObject(value)) {
        errors.push(mismatch(Array.isArray(value) ? "array" : kindOf(value), t, ctx))
        return current
      }
      const out: Record<string, GoValue> = { ...(current as Record<string, GoValue>) }
      for (const [key, v] of Object.entries(value)) {
        const field = t.fields.find(([name]) => name === key) ?? t.fields.find(([name]) => foldKey(name) === foldKey(key))
        if (field === undefined) continue
        const [name, fieldType] = field
        out[name] = decodeInto(v, fieldType, out[name] ?? zeroOf(fieldType), {
          struct: shortName(t.name),
          fields: [...ctx.fields, name]
        }, errors)
      }
      return out
    }
    case "map": {
      if (!isObject(value)) {
        errors.push(mismatch(Array.isArray(value) ? "array" : kindOf(value), t, ctx))
        return current
      }
      const out: Record<string, GoValue> = {}
      for (const [k, v] of Object.entries((current ?? {}) as Record<string, GoValue>)) out[k] = v
      for (const [key, v] of Object.entries(value)) {
        Object.defineProperty(out, key, {
          value: decodeInto(v, t.elem, zeroOf(t.elem), ctx, errors),
          enumerable: true,
          writable: true,
          configurable: true
        })
      }
      return out
    }
    case "slice": {
      if (!Array.isArray(value)) {
        errors.push(mismatch(kindOf(value), t, ctx))
        return current
      }
      return (value as ReadonlyArray<JsonValue>).map((v) => decodeInto(v, t.elem, zeroOf(t.elem), ctx, errors))
    }
    case "string":
      if (typeof value === "string") return value
      errors.push(mismatch(kindOf(value), t, ctx))
      return current
    case "bool":
      if (typeof value === "boolean") return value
      errors.push(mismatch(kindOf(value), t, ctx))
      return current
    case "int":
    case "uint": {
      if (!(value instanceof JsonNumber)) {
        errors.push(mismatch(kindOf(value), t, ctx))
        return current
      }
      const parsed = t.kind === "int" ? parseInt(value.literal, 10, 64) : parseUint(value.literal, 10, 64)
      const fits = parsed._tag === "Ok" &&
        (t.kind === "int"
          ? parsed.value >= -(1n << BigInt(t.bits - 1)) && parsed.value < 1n << BigInt(t.bits - 1)
          : parsed.value < 1n << BigInt(t.bits))
      if (!fits) {
        errors.push(mismatch(`number ${value.literal}`, t, ctx))
        return current
      }
      return parsed.value
    }
  }
}

const zeroOf = (t: GoType): GoValue => {
  switch (t.kind) {
    case "int":
    case "uint":
      return 0n
    case "string":
      return ""
    case "bool":
      return false
    case "pointer":
    case "slice":
    case "map":
      return null
    case "struct":
      return Object.fromEntries(t.fields.map(([name, ft]) => [name, zeroOf(ft)]))
  }
}

/** The memory part of an update: each value `null` when the document cleared the pointer. */
export interface UpdateMemory {
  readonly limit: bigint | null
  readonly reservation: bigint | null
  readonly swap: bigint | null
  readonly kernel: bigint | null
  readonly kernelTCP: bigint | null
}

/** The cpu part of an update. */
export interface UpdateCpu {
  readonly shares: bigint | null
  readonly quota: bigint | null
  readonly period: bigint | null
  readonly realtimeRuntime: bigint | null
  readonly realtimePeriod: bigint | null
  readonly cpus: string
  readonly mems: string
}

/**
 * What `runc update` has read before it changes the config: its `r`
 * (`specs.LinuxResources`), reduced to the parts it uses. A `null` part is a
 * pointer the `-r` document set to nil.
 */
export interface ResourcesUpdate {
  readonly memory: UpdateMemory | null
  readonly cpu: UpdateCpu | null
  readonly blockIO: { readonly weight: number | null } | null
  readonly pids: { readonly limit: bigint } | null
  /** `null` is Go's nil map; `{}` an empty one (which cgroup v1 refuses). */
  readonly unified: Readonly<Record<string, string>> | null
}

/** The value runc's update command starts from: every pointer allocated, every number 0. */
export const initialUpdate: ResourcesUpdate = {
  memory: { limit: 0n, reservation: 0n, swap: 0n, kernel: 0n, kernelTCP: 0n },
  cpu: { shares: 0n, quota: 0n, period: 0n, realtimeRuntime: 0n, realtimePeriod: 0n, cpus: "", mems: "" },
  blockIO: { weight: 0 },
  pids: { limit: 0n },
  unified: null
}

const initialGoValue = (): GoValue => {
  const zero = zeroOf(linuxResources) as Record<string, GoValue>
  return {
    ...zero,
    memory: { ...(zeroOf(linuxMemory) as Record<string, GoValue>), ...initialUpdate.memory },
    cpu: { ...(zeroOf(linuxCPU) as Record<string, GoValue>), ...initialUpdate.cpu },
    blockIO: { ...(zeroOf(linuxBlockIO) as Record<string, GoValue>), weight: 0n },
    pids: { limit: 0n }
  }
}

type Rec = { readonly [key: string]: GoValue }

/**
 * Decodes a `runc update -r` document (file or standard input) as runc
 * does: only the first JSON value is read; `null` changes nothing; an empty
 * input fails with `EOF`, a truncated one with `unexpected EOF`. Other syntax
 * errors carry the JSON parser's own description, not Go's wording; and when
 * one object names the same key twice exactly, the last value wins (Go would
 * merge two objects given for the same key).
 */
export const decodeResourcesJson = (text: string): Either.Either<ResourcesUpdate, string> => {
  const parsed = parseJson(text)
  if (Either.isLeft(parsed)) return Either.left(parsed.left.reason)
  const errors: Array<string> = []
  const decoded = decodeInto(parsed.right, linuxResources, initialGoValue(), { struct: undefined, fields: [] }, errors) as Rec
  if (errors.length > 0) return Either.left(errors[0]!)
  const memory = decoded["memory"] as Rec | null
  const cpu = decoded["cpu"] as Rec | null
  const blockIO = decoded["blockIO"] as Rec | null
  const pids = decoded["pids"] as Rec | null
  const n = (v: GoValue | undefined): bigint | null => (v === null || v === undefined ? null : (v as bigint))
  return Either.right({
    memory: memory === null ? null : {
      limit: n(memory["limit"]),
      reservation: n(memory["reservation"]),
      swap: n(memory["swap"]),
      kernel: n(memory["kernel"]),
      kernelTCP: n(memory["kernelTCP"])
    },
    cpu: cpu === null ? null : {
      shares: n(cpu["shares"]),
      quota: n(cpu["quota"]),
      period: n(cpu["period"]),
      realtimeRuntime: n(cpu["realtimeRuntime"]),
      realtimePeriod: n(cpu["realtimePeriod"]),
      cpus: cpu["cpus"] as string,
      mems: cpu["mems"] as string
    },
    blockIO: blockIO === null ? null : { weight: blockIO["weight"] === null ? null : Number(blockIO["weight"]) },
    pids: pids === null ? null : { limit: pids["limit"] as bigint },
    unified: decoded["unified"] as Readonly<Record<string, string>> | null
  })
}
