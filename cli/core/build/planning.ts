/**
 * The parts of a build decided before anything is built: which functions the templates hold (from
 * the cache when every template read is unchanged), and a bounded pool to build them with.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { FunctionInfo, StackNode } from "../cfn/templates.ts";
import type { DiscoveredProblem, NotBuilt } from "./discovery.ts";
import type { BuildCache, FileDigests } from "./cache.ts";
import type { ReadTemplate } from "../cfn/template-yaml.ts";

/** Part of the cache keys: see run.ts. */
export interface DiscoveryKey {
  format: number;
  codeId: string;
  repoRoot: string;
  template: string;
  /** --param values for the root template's parameters. */
  parameters?: Record<string, string>;
}

export async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** What discovery found, and whether it came from the cache. */
export interface Discovered {
  stacks: StackNode[];
  functions: FunctionInfo[];
  skipped: NotBuilt[];
  problems: DiscoveredProblem[];
  fromCache: boolean;
  /** Each template as read, when discovery parsed them (not from the cache): the template editor reuses them. */
  reads: Map<string, ReadTemplate>;
}

/**
 * The functions of the templates: from the cache when every template it read still has the same
 * digest and every function's code is still there; else parsed (and remembered when there was no
 * problem and every template had been still long enough for its stamp to be trusted).
 */
export async function discover(req: DiscoveryKey, cache: BuildCache, digests: FileDigests): Promise<Discovered> {
  const key = JSON.stringify([req.format, req.codeId, req.repoRoot, req.template, req.parameters ?? {}]);
  const c = cache.discovery;
  if (c?.key === key && Object.entries(c.templates).every(([f, sha]) => digests.digest(f) === sha) && c.functions.every((f) => existsSync(f.codeDir))) {
    return { stacks: c.stacks, functions: c.functions, skipped: c.skipped ?? [], problems: [], fromCache: true, reads: new Map() };
  }
  const { loadFunctions } = await import("./discovery.ts");
  const reads = new Map<string, ReadTemplate>();
  const d = loadFunctions(req.repoRoot, req.template, req.parameters, reads);
  const templates = Object.fromEntries(d.stacks.map((s) => [path.relative(req.repoRoot, s.file), digests.digest(s.file)]));
  if (d.problems.length === 0 && d.stacks.every((s) => digests.isStill(s.file))) {
    cache.discovery = { key, templates, stacks: d.stacks, functions: d.functions, skipped: d.skipped };
  } else delete cache.discovery;
  return { ...d, fromCache: false, reads };
}

