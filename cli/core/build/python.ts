/**
 * Python functions: copy the code into the artifact folder and install `requirements.txt` into it
 * (`pip install -r requirements.txt -t <artifact>`), as the original buildspec loop did per folder,
 * but into the build folder instead of next to the sources. pip's own error lines are shown.
 */
import { cpSync, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { FunctionInfo } from "../cfn/templates.ts";
import { FunctionBuildError } from "./bundler.ts";
import { handlerFile } from "../cfn/handler-file.ts";

export const isPythonRuntime = (runtime: string): boolean => /^python3\.\d+$/.test(runtime);

/** Folders and files never copied into an artifact. */
const SKIP = new Set(["__pycache__", ".venv", "venv", ".pytest_cache", ".mypy_cache", "node_modules", ".git"]);

export type RunCommand = (file: string, args: string[], opts: { cwd: string }) => Promise<{ exitCode: number; output: string }>;

function filesUnder(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.endsWith(".pyc")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) filesUnder(full, out);
    else if (e.isFile()) out.push(full);
  }
}

/** Local folders and files that requirements.txt points at (./pkg, ../wheels after --find-links, x.whl). */
export function localRequirementPaths(codeDir: string): string[] {
  const file = path.join(codeDir, "requirements.txt");
  if (!existsSync(file)) return [];
  const paths = new Set<string>();
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    for (const token of line.replace(/#.*$/, "").split(/[\s=]+/)) {
      if (!/^(\.{1,2}\/|\/)/.test(token)) continue;
      const abs = path.resolve(codeDir, token);
      if (existsSync(abs) && path.relative(codeDir, abs).startsWith("..")) paths.add(abs);
    }
  }
  return [...paths];
}

/** Every input of a Python function (absolute paths): its files and the local packages it installs. */
export function pythonSources(codeDir: string): string[] {
  const out: string[] = [];
  filesUnder(codeDir, out);
  for (const p of localRequirementPaths(codeDir)) {
    if (statSync(p).isDirectory()) filesUnder(p, out);
    else out.push(p);
  }
  return out.sort();
}

/** Checks that the handler's module exists and defines the handler; throws FunctionBuildError. */
export function checkPythonHandler(fn: Pick<FunctionInfo, "codeDir" | "handler">): void {
  const r = handlerFile({ ...fn, runtime: "python3" });
  if ("error" in r) throw new FunctionBuildError(r.error);
  const { file, exportName } = r;
  const defines = new RegExp(`^(async\\s+)?def\\s+${exportName}\\s*\\(|^${exportName}\\s*=`, "m");
  if (!defines.test(readFileSync(file, "utf8"))) throw new FunctionBuildError(`${path.basename(file)} does not define "${exportName}" (Handler ${fn.handler})`);
}

export async function buildPythonFunction(fn: FunctionInfo, artifactDir: string, run: RunCommand, python = "python3"): Promise<{ inputs: string[] }> {
  checkPythonHandler(fn);
  const inputs = pythonSources(fn.codeDir);
  cpSync(fn.codeDir, artifactDir, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)) && !src.endsWith(".pyc") });
  const requirements = path.join(fn.codeDir, "requirements.txt");
  if (existsSync(requirements)) {
    const args = ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet", "-r", requirements, "-t", artifactDir];
    const r = await run(python, args, { cwd: fn.codeDir });
    if (r.exitCode !== 0) {
      const lines = r.output.split("\n").map((l) => l.trim()).filter(Boolean);
      const errors = lines.filter((l) => /^error|^ERROR/.test(l));
      throw new FunctionBuildError(`pip install -r requirements.txt failed: ${(errors[0] ?? lines.at(-1) ?? `exit ${r.exitCode}`).replace(/^ERROR:\s*/, "")}`, lines);
    }
  }
  return { inputs };
}
