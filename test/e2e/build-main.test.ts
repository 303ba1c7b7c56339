/**
 * `hdoc build` runs from dist/cli/build-main.js: the same program with the build command only, one file
 * without chunks (cli/build-main.ts). What it prints must be what the whole program (dist/cli/main.js,
 * which the build server runs) prints for the same argv: help, usage errors and their suggestions,
 * --json documents, a failing build's errors and exit codes.
 */
import { afterAll, describe, expect, it } from "vitest";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { buildFixture } from "../helpers/build-fixture.ts";
import { cleanEnv, REPO_ROOT, runHdoc, tempHome } from "../helpers/hdoc.ts";

const h = tempHome();
const fx = buildFixture();
afterAll(() => {
  h.cleanup();
  fx.cleanup();
});

/** argv through the whole program (main.js's cli), in its own process, as bin/hdoc.js would run it. */
async function throughMain(args: string[], cwd: string) {
  const main = pathToFileURL(path.join(REPO_ROOT, "dist/cli/main.js")).href;
  const script = `const { cli } = await import(${JSON.stringify(main)}); process.exitCode = await cli(["node", "hdoc", ...JSON.parse(process.env.ARGS)]);`;
  const r = await execa("node", ["--input-type=module", "-e", script], { cwd, env: cleanEnv(h.home, { ARGS: JSON.stringify(args), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }), extendEnv: false, reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
const timesOut = (s: string) => s.replace(/\d+ ms/g, "N ms").replace(/"ms": \d+/g, '"ms": N');

describe("hdoc build from build-main.js", () => {
  const CASES: string[][] = [
    ["build", "--help"],
    ["--help", "build"],
    ["-h", "build"],
    ["--version", "build"],
    ["build", "--bogus"],
    ["build", "--json", "--functio", "x"],
    ["--json", "build", "--function", "Nope"],
    ["build", "--list", "--json"],
    ["build", "--list"],
    ["build", "--clean", "--out-dir", ".hdoc/same", "--json"],
    ["build", "--template", "infra/nope.yml"],
  ];
  it.each(CASES)("prints what the whole program prints: hdoc %s", async (...args) => {
    const viaBin = await runHdoc(args, { home: h.home, cwd: fx.dir });
    const viaMain = await throughMain(args, fx.dir);
    expect({ ...viaBin, stdout: timesOut(viaBin.stdout), stderr: timesOut(viaBin.stderr) }).toEqual({ ...viaMain, stdout: timesOut(viaMain.stdout), stderr: timesOut(viaMain.stderr) });
  }, 60_000);

  it("shares the build cache with the whole program (the build server's): one's build is the other's no-op", async () => {
    const first = await runHdoc(["build", "--clean", "--out-dir", ".hdoc/shared", "--json"], { home: h.home, cwd: fx.dir });
    expect(first.exitCode, first.stderr).toBe(0);
    const next = await throughMain(["build", "--out-dir", ".hdoc/shared", "--json"], fx.dir);
    const doc = JSON.parse(next.stdout) as { cache: { discovery: boolean }; functions: Array<{ status: string }> };
    expect(doc.functions.map((f) => f.status)).toEqual(Array(6).fill("cached"));
    expect(doc.cache.discovery).toBe(true);
    const back = JSON.parse((await runHdoc(["build", "--out-dir", ".hdoc/shared", "--json"], { home: h.home, cwd: fx.dir })).stdout) as typeof doc;
    expect(back.cache.discovery).toBe(true);
  }, 60_000);

  it("is what bin/hdoc.js runs for build only: another command whose option value is `build` runs the whole program", async () => {
    const other = await runHdoc(["--region", "build", "mfa", "status"], { home: h.home, cwd: fx.dir });
    expect(other.stderr).not.toMatch(/unknown command/);
    expect(await throughMain(["--region", "build", "mfa", "status"], fx.dir)).toEqual(other);
  });
});
