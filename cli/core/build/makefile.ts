/**
 * `Metadata: BuildMethod: makefile` functions, built as the SAM CLI builds them: the function's code
 * (CodeUri) copied to a scratch folder, then `make --makefile <Makefile> build-<LogicalId>` run there
 * with ARTIFACTS_DIR naming the folder the target must fill. The Makefile is the one in CodeUri, or
 * in `Metadata.ContextPath` when set (relative to the template). Without `make` on the PATH the
 * build of that function fails with one clear line; nothing else is tried.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FunctionInfo } from "../cfn/templates.ts";
import { FunctionBuildError } from "./bundler.ts";
import type { RunCommand } from "./python.ts";

/** Never copied to the scratch folder (the SAM CLI skips the same). */
const SKIP = new Set([".aws-sam", ".git", ".hdoc"]);

/** Is `make` on this PATH? */
export function findOnPath(name: string, envPath = process.env.PATH ?? ""): string | undefined {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Every file of the function's code: what a change of decides a rebuild. */
export function makeSources(codeDir: string, makefile: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(e.name) || e.name === "node_modules") continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(full);
    }
  };
  walk(codeDir);
  if (!out.includes(makefile) && existsSync(makefile)) out.push(makefile);
  return out.sort();
}

export function makefileOf(fn: Pick<FunctionInfo, "codeDir" | "template" | "metadata">): string {
  const context = typeof fn.metadata?.ContextPath === "string" ? path.resolve(path.dirname(fn.template), fn.metadata.ContextPath) : fn.codeDir;
  return path.join(context, "Makefile");
}

export async function buildWithMake(fn: FunctionInfo, artifactDir: string, run: RunCommand, envPath = process.env.PATH): Promise<{ inputs: string[] }> {
  const makefile = makefileOf(fn);
  if (!existsSync(makefile)) throw new FunctionBuildError(`BuildMethod makefile: no Makefile at ${makefile}`);
  const make = findOnPath("make", envPath);
  if (!make) throw new FunctionBuildError("BuildMethod makefile needs make, which is not on the PATH (install it, e.g. apt-get install make)");
  const inputs = makeSources(fn.codeDir, makefile);
  const scratch = mkdtempSync(path.join(tmpdir(), "hdoc-make-"));
  try {
    cpSync(fn.codeDir, scratch, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)) });
    const target = `build-${fn.logicalId}`;
    const r = await run(make, ["--makefile", makefile, target], { cwd: scratch, env: { ARTIFACTS_DIR: artifactDir } });
    if (r.exitCode !== 0) {
      const lines = r.output.split("\n").map((l) => l.trim()).filter(Boolean);
      throw new FunctionBuildError(`make ${target} failed (exit ${r.exitCode}): ${lines.at(-1) ?? "no output"}`, lines);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!readdirSync(artifactDir).length) throw new FunctionBuildError(`make build-${fn.logicalId} left ARTIFACTS_DIR empty (copy the built files to $(ARTIFACTS_DIR))`);
  return { inputs };
}
