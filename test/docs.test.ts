/**
 * The documentation cannot rot:
 *
 * - every TypeScript block in README.md and docs/*.md is a region of a file
 *   under examples/ (marked `<!-- example: examples/x.ts#region -->`), word
 *   for word; test/examples.test.ts runs those files;
 * - every relative link in them points at a file that exists, and every test
 *   file docs/compatibility.md cites as proof exists;
 * - every export of the package (each namespace of src/index.ts and each of
 *   its members) has a doc comment, which the API reference shows. (The
 *   typedoc run of `npm run docs` checks the same and more, but takes close
 *   to a minute; this check takes seconds.)
 */
import { describe, expect, it } from "@effect/vitest"
import { existsSync, readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import ts from "typescript"
import { codeBlocks, exampleCode, read, region, repo } from "./support/docs.js"

const documents = [
  "README.md",
  ...readdirSync(join(repo, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)
]

describe("code in the docs", () => {
  for (const doc of documents) {
    it(`${doc}: every TypeScript block is an example region, verbatim`, () => {
      for (const block of codeBlocks(read(doc))) {
        if (!/^(ts|typescript|js|javascript)$/.test(block.lang)) continue
        const where = `${doc}:${block.line}`
        expect(block.marker?.kind, `${where}: no <!-- example: … --> marker`).toBe("example")
        const expected = exampleCode(block.marker!.target)
        expect(expected, `${where}: ${block.marker!.target} not found`).toBeDefined()
        expect(block.content, where).toBe(expected)
      }
    })

    it(`${doc}: relative links point at existing files`, () => {
      const text = read(doc)
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!) || target!.startsWith("#")) continue
        const path = join(repo, dirname(doc), target!.split("#")[0]!)
        expect(existsSync(path), `${doc} links to ${target}`).toBe(true)
      }
    })
  }

  it("README's example is examples/readme.ts", () => {
    const blocks = codeBlocks(read("README.md")).filter((b) => b.lang === "ts")
    expect(blocks.map((b) => b.marker?.target)).toContain("examples/readme.ts#readme")
  })

  it("the docs cite only test and example files that exist (compatibility.md's proofs above all)", () => {
    expect([...read("docs/compatibility.md").matchAll(/`test\/[^`]+\.test\.ts`/g)].length).toBeGreaterThan(20)
    for (const doc of documents) {
      for (const [, file] of read(doc).matchAll(/`((?:test|examples)\/[^`\s]+\.ts)`/g)) {
        expect(existsSync(join(repo, file!)), `${doc} cites ${file}`).toBe(true)
      }
    }
  })

  it("region() reads nested regions and dedents", () => {
    const source = ["a", "// #region outer", "  x", "  // #region inner", "    y", "  // #endregion inner", "// #endregion outer"]
      .join("\n")
    expect(region(source, "outer")).toBe("x\n  y")
    expect(region(source, "inner")).toBe("y")
    expect(region(source, "missing")).toBeUndefined()
  })
})

/**
 * The exports of `entry` without a doc comment, as `Namespace.member`. Only
 * the repository's own files are parsed: packages under node_modules are
 * replaced by empty modules, which is enough to see what is exported and
 * keeps the check fast.
 */
const undocumentedExports = (entry: string, files?: Readonly<Record<string, string>>): ReadonlyArray<string> => {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noLib: true,
    types: [],
    noEmit: true
  }
  const host = ts.createCompilerHost(options)
  const readSource = host.getSourceFile.bind(host)
  const fileExists = host.fileExists.bind(host)
  const directoryExists = host.directoryExists?.bind(host)
  const virtual = (name: string) => files !== undefined && Object.keys(files).some((f) => f.startsWith(`${name}/`))
  host.fileExists = (name) => (files !== undefined && name in files) || fileExists(name)
  host.directoryExists = (name) => virtual(name) || (directoryExists?.(name) ?? false)
  host.getSourceFile = (name, version, ...rest) =>
    files !== undefined && name in files
      ? ts.createSourceFile(name, files[name]!, version)
      : name.includes("/node_modules/")
      ? ts.createSourceFile(name, "export {}", version)
      : readSource(name, version, ...rest)
  const program = ts.createProgram({ rootNames: [entry], options, host })
  const checker = program.getTypeChecker()
  const hasText = (node: ts.Node): boolean =>
    ts.getJSDocCommentsAndTags(node).some((d) => ts.isJSDoc(d) && (ts.getTextOfJSDocComment(d.comment) ?? "").trim() !== "")
  const documented = (symbol: ts.Symbol): boolean =>
    (symbol.getDeclarations() ?? []).some((d) => hasText(d) || (ts.isNamespaceExport(d) && hasText(d.parent)))
  // `@internal` exports are left out of the API reference (typedoc's excludeInternal).
  const internal = (symbol: ts.Symbol): boolean =>
    (symbol.getDeclarations() ?? []).some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === "internal"))
  const missing: Array<string> = []
  const source = program.getSourceFile(entry)!
  for (const namespace of checker.getExportsOfModule(checker.getSymbolAtLocation(source)!)) {
    if (!documented(namespace)) missing.push(namespace.name)
    if (!(namespace.flags & ts.SymbolFlags.Alias)) continue
    const module = checker.getAliasedSymbol(namespace)
    if (!(module.flags & ts.SymbolFlags.ValueModule)) continue
    for (const member of checker.getExportsOfModule(module)) {
      const target = member.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(member) : member
      if (internal(target)) continue
      if (!documented(member) && !documented(target)) missing.push(`${namespace.name}.${member.name}`)
    }
  }
  return missing
}

describe("doc comments", () => {
  it("every export of src/index.ts has one", () => {
    expect(undocumentedExports(join(repo, "src/index.ts"))).toEqual([])
  })

  it("the check finds a missing one", () => {
    const files = {
      "/virtual/index.ts": `/** A. */\nexport * as A from "./a.js"\nexport * as B from "./b.js"\n`,
      "/virtual/a.ts": `/** Yes. */\nexport const yes = 1\nexport const no = 2\n/** @category model */\nexport type Tagged = string\n/** @internal */\nexport const hidden = 3\n`,
      "/virtual/b.ts": `/** Documented. */\nexport const b = 1\n`
    }
    expect(undocumentedExports("/virtual/index.ts", files)).toEqual(["A.no", "A.Tagged", "B"])
  })
})
