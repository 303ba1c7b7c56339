/**
 * A working copy of test/fixtures/build in a temporary folder, as `npm ci` would leave it: a
 * node_modules with the packages the fixture functions use (symlinks into the repository's own
 * node_modules, and the @fx/shared workspace package linked to functions/shared), and the local
 * Python package packed as a wheel so pip installs it with --no-index.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, execaSync } from "execa";
import { REPO_ROOT } from "./hdoc.ts";

export const BUILD_FIXTURE = path.join(REPO_ROOT, "test/fixtures/build");

export interface BuildFixture {
  dir: string;
  file(rel: string): string;
  cleanup(): void;
}

const PACK_WHEEL = `
import sys, zipfile, pathlib
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
info = "greeting-1.0.0.dist-info"
files = {f"greeting/{p.name}": p.read_text() for p in (src / "greeting").glob("*.py")}
files[f"{info}/METADATA"] = "Metadata-Version: 2.1\\nName: greeting\\nVersion: 1.0.0\\n"
files[f"{info}/WHEEL"] = "Wheel-Version: 1.0\\nGenerator: hdoc-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
files[f"{info}/RECORD"] = "".join(f"{n},,\\n" for n in [*files, f"{info}/RECORD"])
with zipfile.ZipFile(out / "greeting-1.0.0-py3-none-any.whl", "w") as z:
    for name, text in files.items():
        z.writestr(name, text)
`;

export function buildFixture(): BuildFixture {
  const dir = mkdtempSync(path.join(tmpdir(), "hdoc-build-"));
  cpSync(BUILD_FIXTURE, dir, { recursive: true });
  const nm = path.join(dir, "node_modules");
  mkdirSync(path.join(nm, "@fx"), { recursive: true });
  for (const pkg of ["yaml", "smol-toml", "ini"]) symlinkSync(path.join(REPO_ROOT, "node_modules", pkg), path.join(nm, pkg));
  symlinkSync("../../functions/shared", path.join(nm, "@fx/shared"));
  execaSync("python3", ["-c", PACK_WHEEL, path.join(dir, "libs/greeting"), path.join(dir, "wheels")]);
  return { dir, file: (rel) => path.join(dir, rel), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** How runBuild runs pip in the tests: execa, exit code and combined output. */
export async function runCommand(file: string, args: string[], o: { cwd: string }): Promise<{ exitCode: number; output: string }> {
  const r = await execa(file, args, { cwd: o.cwd, reject: false, all: true });
  return { exitCode: r.exitCode ?? -1, output: String(r.all ?? "") };
}
