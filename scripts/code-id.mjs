// What identifies the built CLI's code (HDOC_CODE_ID in scripts/build-cli.mjs): a digest of everything
// the build reads to make dist/cli — the CLI's sources, this script and build-cli.mjs, tsconfig.json,
// package-lock.json (the versions of what stays external) and the files of the packages bundled in
// (a patched or linked copy changes them without changing the lock). The build cache keys what it
// parsed and wrote by it (cli/core/build/run.ts), so a CLI built from other code never trusts it.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** The digest (16 hex digits) for the repository at `root`; `bundled` are the packages build-cli.mjs bundles. */
export function codeId(root, bundled) {
  const hash = createHash("sha256");
  const add = (file) => hash.update(`${path.relative(root, file)}\0`).update(readFileSync(file)).update("\0");
  const visit = (dir, take) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules") visit(file, take);
      } else if (take(e.name)) add(file);
    }
  };
  visit(path.join(root, "cli"), (name) => name.endsWith(".ts") && !name.endsWith(".test.ts"));
  for (const f of ["scripts/build-cli.mjs", "scripts/code-id.mjs", "tsconfig.json", "package-lock.json"]) if (existsSync(path.join(root, f))) add(path.join(root, f));
  for (const pkg of [...bundled].sort()) {
    const dir = path.join(root, "node_modules", pkg);
    if (existsSync(dir)) visit(dir, () => true);
  }
  return hash.digest("hex").slice(0, 16);
}
