/** The GitHub workflow files are checked by a real validator (@action-validator, GitHub's schemas). */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const validate = (file: string) => execa("npx", ["--no", "action-validator", file], { cwd: root, reject: false });

describe("GitHub workflows", () => {
  const dir = path.join(root, ".github", "workflows");
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

  it("has workflow files to check", () => {
    expect(files).toContain("ci.yml");
  });

  it.each(files)("%s passes action-validator", async (f) => {
    const r = await validate(path.join(dir, f));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  });

  it("the validator refuses a broken workflow (so a pass means something)", async () => {
    const bad = path.join(mkdtempSync(path.join(os.tmpdir(), "hdoc-wf-")), "bad.yml");
    writeFileSync(bad, "name: x\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    timeout-minutes: soon\n    steps:\n      - uses: actions/checkout@v4\n");
    const r = await validate(bad);
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toContain("/jobs/t/timeout-minutes");
  });
});
