import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, cpSync, renameSync } from "node:fs";
import { execa } from "execa";
import { tmpdir } from "node:os";
import path from "node:path";
import { cleanEnv, HDOC_BIN, runHdoc, tempHome, type TempHome } from "../helpers/hdoc.ts";
import { buildFixture, type BuildFixture } from "../helpers/build-fixture.ts";

// A cache that cannot lie: outputs are checked as well as inputs, and the repository boundary holds on real paths.
let home: TempHome;
let fx: BuildFixture;
beforeAll(() => {
  home = tempHome();
  fx = buildFixture();
});
afterAll(() => {
  home.cleanup();
  fx.cleanup();
});
const hdoc = (args: string[]) => runHdoc(["build", ...args], { home: home.home, cwd: fx.dir });
const artifact = (id: string, file = "") => fx.file(path.join(".hdoc/build/functions", id, file));

describe("hdoc build: artifacts changed by hand are rebuilt, and the build says why", () => {
  it("rebuilds a deleted bundle and a deleted artifact folder (was: 0 built, 6 cached, and the missing file deployed)", async () => {
    expect((await hdoc(["--clean"])).exitCode).toBe(0);
    rmSync(artifact("HealthFunction", "handler.mjs"));
    rmSync(artifact("Legacy/SignupFunction"), { recursive: true });
    const r = await hdoc([]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("HealthFunction: artifact changed since the last build (handler.mjs is missing)");
    expect(r.stderr).toContain("Legacy/SignupFunction: artifact missing (deleted since the last build)");
    expect(r.stderr).toContain("2 built, 4 cached");
    expect(existsSync(artifact("HealthFunction", "handler.mjs"))).toBe(true);
    expect(existsSync(artifact("Legacy/SignupFunction", "handler.mjs"))).toBe(true);
  });

  it("rebuilds an emptied bundle and reports its real size in --json (was: ok with the old size)", async () => {
    const file = artifact("Api/GetUserFunction", "handler.mjs");
    const size = statSync(file).size;
    truncateSync(file, 0);
    const r = await hdoc(["--json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; functions: Array<{ id: string; status: string; size: number; reason?: string }> };
    const fn = doc.functions.find((f) => f.id === "Api/GetUserFunction")!;
    expect(fn).toMatchObject({ status: "built", reason: "artifact changed since the last build (handler.mjs differs)" });
    expect(statSync(file).size).toBe(size);
    expect(doc.functions.filter((f) => f.status === "built").map((f) => f.id)).toEqual(["Api/GetUserFunction"]);
  });

  it("rebuilds a bundle edited in place (same size), a removed source map and an added file", async () => {
    const file = artifact("Api/ListUsersFunction", "handler.mjs");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace(/.$/s, text.endsWith(";") ? ":" : ";"));
    rmSync(artifact("Legacy/Deep/DeepFunction", "src/main.mjs.map"));
    writeFileSync(artifact("HealthFunction", "extra.js"), "console.log('not built by hdoc')\n");
    const r = await hdoc([]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("Api/ListUsersFunction: artifact changed since the last build (handler.mjs differs)");
    expect(r.stderr).toContain("Legacy/Deep/DeepFunction: artifact changed since the last build (src/main.mjs.map is missing)");
    expect(r.stderr).toContain("HealthFunction: artifact changed since the last build (extra.js was added)");
    expect(r.stderr).toContain("3 built, 3 cached");
    expect(readFileSync(file, "utf8")).toBe(text);
    expect(existsSync(artifact("HealthFunction", "extra.js"))).toBe(false);
    const again = await hdoc([]);
    expect(again.stderr).toContain("0 built, 6 cached");
  });
});

describe("hdoc build: the repository boundary on real paths", () => {
  it("refuses a CodeUri that is a symlink to a folder outside the repository, naming function and path (was: bundled, exit 0)", async () => {
    const outside = mkdtempSync(path.join(tmpdir(), "hdoc-outside-"));
    const health = fx.file("functions/health");
    try {
      cpSync(health, outside, { recursive: true });
      renameSync(health, `${health}.real`);
      symlinkSync(outside, health);
      const r = await hdoc([]);
      expect(r.exitCode).toBe(7);
      expect(r.stderr).toContain(`error: infra/template.yml HealthFunction: CodeUri functions/health resolves to ${outside}, outside the repository (symlinks are followed)`);
    } finally {
      rmSync(health, { force: true });
      renameSync(`${health}.real`, health);
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("refuses a handler that imports an absolute path outside the repository (was: bundled, exit 0)", async () => {
    const outside = mkdtempSync(path.join(tmpdir(), "hdoc-outside-"));
    const handler = fx.file("functions/health/handler.ts");
    const before = readFileSync(handler, "utf8");
    try {
      writeFileSync(path.join(outside, "secret.ts"), "export const secret = 'from outside';\n");
      writeFileSync(handler, `import { secret } from ${JSON.stringify(path.join(outside, "secret.ts"))};\n${before}\nexport const leak = secret;\n`);
      const r = await hdoc([]);
      expect(r.exitCode).toBe(7);
      expect(r.stderr).toContain(`error: infra/template.yml HealthFunction: ${path.join(outside, "secret.ts")} is outside the repository (after following symlinks)`);
    } finally {
      writeFileSync(handler, before);
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("still bundles packages linked into the repository's node_modules from elsewhere", async () => {
    // The fixture's node_modules/yaml, ini and smol-toml are symlinks to this repository's node_modules.
    const r = await hdoc([]);
    expect(r.exitCode, r.stderr).toBe(0);
  });
});

/** Every file and folder under the build folder whose name marks it temporary. */
function temporaries(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (/\.tmp(-|$)|\.old-/.test(e.name)) out.push(path.relative(dir, path.join(d, e.name)));
      if (e.isDirectory()) visit(path.join(d, e.name));
    }
  };
  if (existsSync(dir)) visit(dir);
  return out;
}

describe("hdoc build: one build at a time per build folder", () => {
  it("runs two --clean builds at once without a failure: the second waits for the first (was: ENOENT/ENOTEMPTY, exit 1)", async () => {
    for (let round = 0; round < 1; round++) {
      const [a, b] = await Promise.all([hdoc(["--clean"]), hdoc(["--clean"])]);
      expect([a.exitCode, b.exitCode], a.stderr + b.stderr).toEqual([0, 0]);
      expect(a.stderr + b.stderr).toMatch(/waiting for hdoc pid \d+ \(build\) to release .*build\.lock/);
      expect(temporaries(fx.file(".hdoc/build"))).toEqual([]);
      // --clean sets the old build folder aside and removes it before it exits.
      expect(readdirSync(fx.file(".hdoc")).filter((n) => n.startsWith("build.old-"))).toEqual([]);
    }
    const again = await hdoc([]);
    expect(again.stderr).toContain("0 built, 6 cached");
  });

  it("--no-wait fails at once naming the build that holds the folder", async () => {
    const first = execa("node", [HDOC_BIN, "build", "--clean"], { cwd: fx.dir, env: cleanEnv(home.home), extendEnv: false, reject: false });
    await expectEventually(() => existsSync(fx.file(".hdoc/build.lock")));
    const second = await hdoc(["--no-wait"]);
    expect(second.exitCode).toBe(7);
    expect(second.stderr).toMatch(/error: .*\.hdoc\/build\.lock is held by hdoc pid \d+ \(build\) since \d{4}-/);
    expect((await first).exitCode).toBe(0);
  });

  it("removes what a killed build left (staging folders, temporary files) at the next start (was: only --clean did)", async () => {
    const killed = execa("node", [HDOC_BIN, "build", "--clean"], { cwd: fx.dir, env: cleanEnv(home.home), extendEnv: false, reject: false });
    await expectEventually(() => existsSync(fx.file(".hdoc/build.lock")));
    killed.kill("SIGKILL");
    await killed;
    // Whatever the kill left, and the leftovers of an older kill made by hand:
    mkdirSync(fx.file(".hdoc/build/functions/Api/GetUserFunction.tmp-999999-abc123"), { recursive: true });
    writeFileSync(fx.file(".hdoc/build/.manifest.json.hdoc-999999-0a1b2c3d.tmp"), "{");
    mkdirSync(fx.file(".hdoc/build.old-999999/functions"), { recursive: true });
    const r = await hdoc([]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("removed functions/Api/GetUserFunction.tmp-999999-abc123, left by a build that was stopped");
    expect(r.stderr).toContain("removed ../build.old-999999, left by a build that was stopped");
    expect(existsSync(fx.file(".hdoc/build.old-999999"))).toBe(false);
    expect(temporaries(fx.file(".hdoc/build"))).toEqual([]);
    expect(existsSync(fx.file(".hdoc/build/template.yml"))).toBe(true);
  });
});

async function expectEventually(probe: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("hdoc build: what decides how an import resolves is part of the cache (found in review)", () => {
  it("rebuilds when a file an extensionless import would now pick is created beside the one it found (was: 0 built, and the old code deployed)", async () => {
    writeFileSync(fx.file("functions/health/word.js"), 'export const word = "OLD-JS";\n');
    writeFileSync(fx.file("functions/health/handler.ts"), 'import { word } from "./word";\nexport const handler = async () => ({ statusCode: 200, body: word });\n');
    let r = await hdoc([]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(artifact("HealthFunction", "handler.mjs"), "utf8")).toContain("OLD-JS");
    r = await hdoc([]);
    expect(r.stderr).toMatch(/^0 built, \d+ cached/m);
    // esbuild tries .ts before .js: the same import now means word.ts
    writeFileSync(fx.file("functions/health/word.ts"), 'export const word: string = "NEW-TS";\n');
    r = await hdoc([]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^1 built, \d+ cached/m);
    const bundle = readFileSync(artifact("HealthFunction", "handler.mjs"), "utf8");
    expect(bundle).toContain("NEW-TS");
    expect(bundle).not.toContain("OLD-JS");
  });

  // closing-21, noticed: a tsconfig `extends` of a package was not followed by the cache
  it("rebuilds when the tsconfig of a package a tsconfig.json extends is edited (was: 0 built, the old bundle kept)", async () => {
    mkdirSync(fx.file("node_modules/@fx/tsconfig"), { recursive: true });
    writeFileSync(fx.file("node_modules/@fx/tsconfig/package.json"), JSON.stringify({ name: "@fx/tsconfig", version: "1.0.0" }));
    writeFileSync(fx.file("node_modules/@fx/tsconfig/tsconfig.json"), JSON.stringify({ compilerOptions: { useDefineForClassFields: true } }));
    writeFileSync(fx.file("functions/health/tsconfig.json"), JSON.stringify({ extends: "@fx/tsconfig/tsconfig.json" }));
    writeFileSync(fx.file("functions/health/handler.ts"), "class Greeting { word = 'FIELD'; }\nexport const handler = async () => ({ statusCode: 200, body: new Greeting().word });\n");
    let r = await hdoc([]);
    expect(r.exitCode, r.stderr).toBe(0);
    const before = readFileSync(artifact("HealthFunction", "handler.mjs"), "utf8");
    r = await hdoc([]);
    expect(r.stderr).toMatch(/^0 built, \d+ cached/m);
    // esbuild reads the base through the package: class fields become assignments in the constructor
    writeFileSync(fx.file("node_modules/@fx/tsconfig/tsconfig.json"), JSON.stringify({ compilerOptions: { useDefineForClassFields: false } }));
    r = await hdoc([]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^1 built, \d+ cached/m);
    const after = readFileSync(artifact("HealthFunction", "handler.mjs"), "utf8");
    expect(after).not.toBe(before);
    expect(after).toMatch(/this\.word\s*=\s*"FIELD"/);
    expect(before).not.toMatch(/this\.word\s*=/);
  });
});
