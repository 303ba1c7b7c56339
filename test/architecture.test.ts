/** The layers of cli/ hold: imports only point down (lint), and the import graph has no circles. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && !e.name.endsWith(".d.ts") ? [rel] : [];
  });
}

/** Every relative import of a file: static, type-only, re-exports and dynamic import(). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), "utf8");
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)["'](\.{1,2}\/[^"']+)["']/gm)].map((m) => m[1]!);
  return specs.map((s) => path.normalize(path.join(path.dirname(file), s)));
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === "open") found.push([...stack.slice(stack.indexOf(t)), t]);
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

describe("the layers of cli/", () => {
  const files = sources("cli");

  it("reads the whole tree (the check below sees every module)", () => {
    expect(files.length).toBeGreaterThan(40);
    expect(files).toContain(path.join("cli", "core", "mfa", "session.ts"));
  });

  it("has an import graph without circles (static, type-only and dynamic imports alike)", () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
    expect(cycles(graph)).toEqual([]);
  });

  it("finds a circle when there is one (the check can fail)", () => {
    // the shape the old tree had: commands/mfa-login.ts <-> commands/mfa/login.ts
    const graph = new Map([["mfa-login.ts", ["mfa/login.ts"]], ["mfa/login.ts", ["mfa-login.ts", "core.ts"]], ["core.ts", []]]);
    expect(cycles(graph)).toEqual([["mfa-login.ts", "mfa/login.ts", "mfa-login.ts"]]);
    expect(importsOf(path.normalize("cli/commands/mfa/login.ts"))).toContain(path.normalize("cli/core/mfa/session.ts"));
  });

  const eslint = new ESLint({ cwd: root });
  const lint = async (file: string, code: string) => (await eslint.lintText(code, { filePath: path.join(root, file) }))[0]!.messages.map((m) => `${m.ruleId}: ${m.message}`);

  it.each([
    ["cli/core/mfa/session.ts", 'import type { CommandDef } from "../../commands/command.ts";\nexport type X = CommandDef;\n', /no-restricted-imports: .*never import the command layer/],
    ["cli/core/pipeline/deploy.ts", 'import { table } from "../../ui/table.ts";\nexport const t = table;\n', /no-restricted-imports: .*the command renders it/],
    ["cli/aws/sts.ts", 'import { login } from "../core/mfa/session.ts";\nexport const l = login;\n', /no-restricted-imports: .*below the capabilities/],
    ["cli/core/cfn/templates.ts", 'import { runBuild } from "../build/run.ts";\nexport const r = runBuild;\n', /no-restricted-imports: .*below the capabilities/],
    ["cli/ui/io.ts", 'import { DEFAULTS } from "../core/settings.ts";\nexport const d = DEFAULTS;\n', /no-restricted-imports: .*knows nothing of core/],
    ["cli/core/dev/server.ts", 'export async function f() { const m = await import("../../commands/dev.ts"); return m; }\n', /no-restricted-syntax: .*never import the command layer/],
  ])("lint refuses an upward import in %s", async (file, code, expected) => {
    const messages = await lint(file, code);
    expect(messages.join("\n")).toMatch(expected);
  });

  it("lint accepts the same file's real, downward imports", async () => {
    const file = "cli/core/mfa/session.ts";
    expect(await lint(file, readFileSync(path.join(root, file), "utf8"))).toEqual([]);
  });
});
