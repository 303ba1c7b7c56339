/**
 * The outputs side of the build cache: what each artifact folder held when it was built (the digest
 * of every file, recorded in the manifest), and whether it still does. An artifact deleted, emptied,
 * edited, or given an extra or a missing file by hand is rebuilt, and the build says why. Digests go
 * through FileDigests, so an untouched artifact costs one stat per file, not a read.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { FileDigests } from "./digests.ts";

/** Every file under `dir`, relative and "/"-separated, sorted. */
export function artifactFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...artifactFiles(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/** The digest of each file of a finished artifact and their total size. */
export function recordArtifact(dir: string, digests: FileDigests): { outputs: Record<string, string>; size: number } {
  const outputs: Record<string, string> = {};
  let size = 0;
  for (const rel of artifactFiles(dir)) {
    const abs = path.join(dir, rel);
    outputs[rel] = digests.fresh(abs);
    size += statSync(abs).size;
  }
  return { outputs, size };
}

/** Why the artifact is not what the last build wrote ("artifact changed since the last build"), or undefined when it is. */
export function artifactChange(dir: string, outputs: Record<string, string> | undefined, digests: FileDigests): string | undefined {
  if (!existsSync(dir)) return "artifact missing (deleted since the last build)";
  if (!outputs) return "artifact not recorded by the last build";
  const files = artifactFiles(dir);
  const recorded = Object.keys(outputs);
  const gone = recorded.filter((f) => !files.includes(f));
  if (gone.length) return `artifact changed since the last build (${gone[0]} is missing)`;
  const extra = files.filter((f) => !(f in outputs));
  if (extra.length) return `artifact changed since the last build (${extra[0]} was added)`;
  const edited = recorded.find((f) => digests.digest(path.join(dir, f)) !== outputs[f]);
  if (edited) return `artifact changed since the last build (${edited} differs)`;
  return undefined;
}
