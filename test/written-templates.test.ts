/**
 * The templates `hdoc build` writes, read back by the tools that deploy them: cfn-lint passes on
 * them, and the real SAM translator (with its own YAML loader, as `sam deploy` runs it) turns each
 * one into exactly what it turns the source template into, once local code paths are replaced by
 * the same S3 placeholders (sam-translate.py does that for both). So nothing but the rewritten
 * paths changed: no quoting lost, no `3.0` turned into `3`, no Globals.Function.CodeUri dropped.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { repoRoot } from "./helpers/tables.ts";
import { loadFunctions } from "../cli/core/build/discovery.ts";
import { templateOutFile, writeTemplates } from "../cli/core/build/output.ts";
import { TemplateEditor } from "../cli/core/cfn/template-edit.ts";

const outDir = mkdtempSync(path.join(tmpdir(), "hdoc-written-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

let pairs: Array<{ source: string; written: string }>;
const write = (template: string, out: string) => {
  const { stacks, functions } = loadFunctions(repoRoot, template);
  writeTemplates(stacks, functions, out, (text, file) => new TemplateEditor(text, file));
  return stacks.map((s) => ({ source: s.file, written: templateOutFile(out, s.path) }));
};
beforeAll(() => {
  // The repository's own templates, and a small one holding the values a YAML re-dump used to change
  // (quoted "yes"/"no"/"on", "1_000", "1:20", "0123", OpenApiVersion 3.0, swagger 2.0, Globals.Function.CodeUri).
  pairs = [...write(path.join(repoRoot, "infra/template.yml"), outDir), ...write(path.join(repoRoot, "test/fixtures/formats/template.yml"), path.join(outDir, "formats"))];
});

describe("the templates hdoc build writes", () => {
  it("translate with the SAM translator exactly as their sources do", async () => {
    expect(pairs.length).toBeGreaterThanOrEqual(5);
    const files = pairs.flatMap((p) => [p.source, p.written]);
    const res = await execa("python3", [path.join(repoRoot, "test/helpers/sam-translate.py"), ...files], { cwd: repoRoot });
    const out = JSON.parse(res.stdout) as Record<string, { template?: unknown; errors?: string[] }>;
    for (const p of pairs) {
      expect(out[p.written]!.errors, p.written).toBeUndefined();
      expect(out[p.written]!.template, path.relative(outDir, p.written)).toEqual(out[p.source]!.template);
    }
  }, 60_000);

  it("pass cfn-lint", async () => {
    const res = await execa("cfn-lint", pairs.map((p) => p.written), { reject: false, cwd: outDir });
    expect(`${res.stdout}${res.stderr}`).toBe("");
    expect(res.exitCode).toBe(0);
  }, 60_000);
});
