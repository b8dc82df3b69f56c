import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { emptyRecord, maker } from "../../src/internal/plainRecord.js"

describe("plainRecord.maker", () => {
  it.prop(
    "makes what the object literal makes: a plain object with the keys in order, own, enumerable and writable",
    [FastCheck.uniqueArray(FastCheck.string().filter((k) => k !== "__proto__"), { maxLength: 8 }), FastCheck.anything()],
    ([keys, value]) => {
      const made = maker<Record<string, unknown>>(keys)(...keys.map((_, i) => (i === 0 ? value : i)))
      const literal: Record<string, unknown> = {}
      keys.forEach((key, i) => {
        Object.defineProperty(literal, key, { value: i === 0 ? value : i, enumerable: true, writable: true, configurable: true })
      })
      expect(Object.getPrototypeOf(made)).toBe(Object.prototype)
      expect(Reflect.ownKeys(made)).toEqual(Reflect.ownKeys(literal))
      for (const key of keys) expect(Object.getOwnPropertyDescriptor(made, key)).toEqual(Object.getOwnPropertyDescriptor(literal, key))
      expect(made).toStrictEqual(literal)
    }
  )
})

describe("plainRecord.emptyRecord", () => {
  it.prop(
    "filled key by key, is what an empty literal filled the same way is: a fresh plain object, keys in V8's order",
    [FastCheck.array(FastCheck.tuple(FastCheck.oneof(FastCheck.string(), FastCheck.nat().map(String)), FastCheck.anything()))],
    ([entries]) => {
      const made = emptyRecord()
      const literal: Record<string, unknown> = {}
      expect(Reflect.ownKeys(made)).toEqual([])
      expect(made).not.toBe(emptyRecord())
      for (const [key, value] of entries.filter(([key]) => key !== "__proto__")) {
        made[key] = value
        literal[key] = value
      }
      expect(Object.getPrototypeOf(made)).toBe(Object.prototype)
      expect(Reflect.ownKeys(made)).toEqual(Reflect.ownKeys(literal))
      expect(made).toStrictEqual(literal)
    }
  )
})
