/** A temporary folder for a test file, with `put` to write a file in it (parents created). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export function tempTree(prefix: string): { root: string; put(rel: string, text: string): string; cleanup(): void } {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    root,
    put(rel, text) {
      const f = path.join(root, rel);
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, text);
      return f;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
