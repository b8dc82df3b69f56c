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
 * A constructor of plain objects as code: `Record(params…)` runs `body`,
 * which stores the fields on `this` (by name, which V8 runs many times
 * faster than stores by computed key), reading `params` and the values
 * `scope` names; its `prototype` is `Object.prototype`. Returns
 * `make(params…)`, which calls it with `new`; `undefined` where code
 * generation is disallowed (`--disallow-code-generation-from-strings`).
 */
export const constructorOf = <A extends object>(
  params: ReadonlyArray<string>,
  body: string,
  scope: Readonly<Record<string, unknown>> = {}
): ((...values: ReadonlyArray<unknown>) => A) | undefined => {
  const names = Object.keys(scope)
  const list = params.join(", ")
  try {
    return new Function(
      ...names,
      `function Record(${list}) { ${body} }
Record.prototype = Object.prototype;
return function make(${list}) { return new Record(${list}) }`
    )(...names.map((name) => scope[name])) as (...values: ReadonlyArray<unknown>) => A
  } catch {
    return undefined
  }
}

/**
 * An empty plain object made by a constructor (see the module
 * documentation), for a record whose keys come from the data: a decoded
 * Go map.
 */
export const emptyRecord: () => Record<string, unknown> = constructorOf<Record<string, unknown>>([], "") ?? (() => ({}))

/**
 * A maker of plain objects with `keys`, in that order: `make(a, b, …)` is
 * `{ [keys[0]]: a, [keys[1]]: b, … }`, made by a constructor (see the module
 * documentation). Falls back to a literal where code generation is
 * disallowed.
 */
export const maker = <A extends object>(keys: ReadonlyArray<keyof A & string>): (...values: ReadonlyArray<unknown>) => A =>
  constructorOf<A>(keys.map((_, i) => `v${i}`), keys.map((key, i) => `this[${JSON.stringify(key)}] = v${i};`).join(" ")) ??
    ((...values) => {
      const out: Record<string, unknown> = {}
      keys.forEach((key, i) => {
        out[key] = values[i]
      })
      return out as A
    })
