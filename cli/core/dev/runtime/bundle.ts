/**
 * A function's bundle for `hdoc dev`: the same esbuild configuration as `hdoc build` (bundler.ts),
 * with the AWS SDK bundled in (one module to load: a worker starts in a fraction of the time it takes
 * to load the SDK's packages one by one from node_modules, and holds less memory), written into the
 * run's work folder under a name carrying its content hash, with the stamps of every file it read or
 * was decided by, so an edit is noticed before the next invocation. With a cache (bundle-cache.ts) an
 * unchanged function is not bundled again at the next start.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import type { FunctionInfo } from "../../cfn/templates.ts";
import { bundleInMemory, bundleSettingsOf, esbuildOptions, FunctionBuildError, resolveEntry } from "../../build/bundler.ts";
import { BundleCache, watchedFiles, type BundleTools } from "./bundle-cache.ts";
import { decidingFiles, sourceFolders } from "../../fs/resolution-inputs.ts";
import { changed, fingerprint, stamps, stampsSince } from "../stamps.ts";

export { changed, fingerprint, stamps };

export interface Built {
  file: string;
  exportName: string;
  entry: string;
  /** watched file (bundle-cache.ts#watchedFiles) -> its stamp when built. */
  inputs: Map<string, string>;
  /** Taken from the cache of an earlier run (no esbuild ran). */
  cached?: boolean;
}

/** The handler's file when it can be found (what to watch after a failed bundle). */
export function entryOf(info: FunctionInfo): string | undefined {
  try {
    return resolveEntry(info).entry;
  } catch {
    return undefined;
  }
}

const OPTIONS = { bundleAwsSdk: true } as const;
const devOptions = (repoRoot: string) => ({ repoRoot, ...OPTIONS, minify: false, sourcemap: "inline" as const, readable: true });
/** .cjs for a CommonJS bundle (BuildMethod esbuild's default Format), else .mjs: Node loads each as its format. */
function extensionOf(info: FunctionInfo, repoRoot: string): string {
  try {
    return bundleSettingsOf(info, devOptions(repoRoot)).format === "cjs" ? ".cjs" : ".mjs";
  } catch {
    return ".mjs"; // the bundle step reports the problem
  }
}
const fileIn = (workDir: string, info: FunctionInfo, hash: string, repoRoot: string) => path.join(workDir, `${info.id.replace(/[^A-Za-z0-9_-]/g, "_")}-${hash}${extensionOf(info, repoRoot)}`);

/** What decides a function's bundle besides its files: its build settings and the tools (esbuild's version, hdoc's own code). */
export function cacheKey(info: FunctionInfo, repoRoot: string, tools: BundleTools): string | undefined {
  try {
    const entry = resolveEntry(info).entry;
    const { plugins: _plugins, ...settings } = esbuildOptions(info, entry, devOptions(repoRoot));
    return createHash("sha256").update(JSON.stringify([settings, info.id, info.codeDir, tools.esbuildVersion, tools.hdocCode])).digest("hex");
  } catch {
    return undefined; // the bundle step reports the problem
  }
}

/** `now` is when the bundle starts (injected by tests, to stand for files written long before). */
export async function bundleForDev(info: FunctionInfo, repoRoot: string, workDir: string, cache?: BundleCache, now: () => number = Date.now): Promise<Built> {
  const key = cache ? cacheKey(info, repoRoot, cache.madeWith) : undefined;
  if (cache && key) {
    const hit = cache.take(info.id, key, (hash) => fileIn(workDir, info, hash, repoRoot));
    if (hit) return { ...hit, cached: true };
  }
  let r;
  const started = now();
  try {
    r = await bundleInMemory(info, { repoRoot, ...OPTIONS }, workDir);
  } catch (e) {
    const message = e instanceof FunctionBuildError || e instanceof Error ? e.message : String(e);
    throw new Error(`${info.id}: cannot bundle: ${message}`);
  }
  const hash = createHash("sha256").update(r.code).digest("hex").slice(0, 12);
  const file = fileIn(workDir, info, hash, repoRoot);
  if (!existsSync(file)) {
    mkdirSync(workDir, { recursive: true });
    writeFileSync(file, r.code);
  }
  const folders = sourceFolders(r.inputs, repoRoot).map((d) => d + path.sep);
  const { inputs, settled } = stampsSince([...watchedFiles(r.inputs), ...decidingFiles(r.inputs, info.codeDir, repoRoot), ...folders], started);
  // a file changed while esbuild read it is marked, so the next check bundles again, and the bundle is
  // not kept for the next run
  if (cache && key && settled) cache.put(info.id, key, r.code, { exportName: r.exportName, entry: r.entry, inputs });
  return { file, exportName: r.exportName, entry: r.entry, inputs };
}
