/**
 * A function's bundle for `hdoc dev`: the same esbuild configuration as `hdoc build` (bundler.ts),
 * kept in memory and written into the run's work folder under a name carrying its content hash, with
 * the stamps of every file it read so an edit is noticed before the next invocation.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import type { FunctionInfo } from "../../cfn/templates.ts";
import { bundleInMemory, FunctionBuildError, resolveEntry } from "../../build/bundler.ts";

export interface Built {
  file: string;
  exportName: string;
  entry: string;
  /** input file -> "mtime:size" when built. */
  inputs: Map<string, string>;
}

export const fingerprint = (file: string): string => {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return "missing";
  }
};

export const stamps = (files: Iterable<string>): Map<string, string> => new Map([...files].map((f) => [f, fingerprint(f)]));

export function changed(inputs: Map<string, string>): boolean {
  for (const [file, fp] of inputs) if (fingerprint(file) !== fp) return true;
  return false;
}

/** The handler's file when it can be found (what to watch after a failed bundle). */
export function entryOf(info: FunctionInfo): string | undefined {
  try {
    return resolveEntry(info).entry;
  } catch {
    return undefined;
  }
}

export async function bundleForDev(info: FunctionInfo, repoRoot: string, workDir: string): Promise<Built> {
  let r;
  try {
    r = await bundleInMemory(info, { repoRoot, bundleAwsSdk: false }, workDir);
  } catch (e) {
    const message = e instanceof FunctionBuildError || e instanceof Error ? e.message : String(e);
    throw new Error(`${info.id}: cannot bundle: ${message}`);
  }
  const hash = createHash("sha256").update(r.code).digest("hex").slice(0, 12);
  const file = path.join(workDir, `${info.id.replace(/[^A-Za-z0-9_-]/g, "_")}-${hash}.${r.format === "esm" ? "mjs" : "cjs"}`);
  if (!existsSync(file)) writeFileSync(file, r.code);
  return { file, exportName: r.exportName, entry: r.entry, inputs: stamps(r.inputs) };
}
