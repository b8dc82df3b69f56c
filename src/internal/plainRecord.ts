/**
 * Plain objects made by a constructor rather than by an object literal, for
 * the values a list keeps for each container (the list entry, the model,
 * the init process, the decoded state's structs — `GoType.buildCode` makes
 * its own constructors).
 *
 * V8 watches where each object literal's objects die. A list holds the
 * containers of a chunk while its consumer runs an effect per entry, so the
 * young collections of such a list find most of those literals' objects
 * alive, and V8 then allocates every later one of them straight in the old
 * generation — where they die just as young, but each young collection must
 * scan them, and a later list of 10,000 containers, drained, ran 25 %
 * slower. Objects a constructor makes are not tracked that way. The
 * constructor's `prototype` is `Object.prototype`: the values are plain
 * objects, indistinguishable from the literals they replace.
 */

/**
 * A maker of plain objects with `keys`, in that order: `make(a, b, …)` is
 * `{ [keys[0]]: a, [keys[1]]: b, … }`, made by a constructor (see the module
 * documentation). Falls back to a literal where code generation is
 * disallowed.
 */
export const maker = <A extends object>(keys: ReadonlyArray<keyof A & string>): (...values: ReadonlyArray<unknown>) => A => {
  const params = keys.map((_, i) => `v${i}`)
  const stores = keys.map((key, i) => `this[${JSON.stringify(key)}] = v${i};`)
  try {
    return new Function(
      `function Record(${params.join(", ")}) { ${stores.join(" ")} }
Record.prototype = Object.prototype;
return function make(${params.join(", ")}) { return new Record(${params.join(", ")}) }`
    )() as (...values: ReadonlyArray<unknown>) => A
  } catch {
    return (...values) => {
      const out: Record<string, unknown> = {}
      keys.forEach((key, i) => {
        out[key] = values[i]
      })
      return out as A
    }
  }
}
