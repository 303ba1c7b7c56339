import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { version as esbuildVersion } from "esbuild";
import { buildFixture, runCommand, type BuildFixture } from "../../../test/helpers/build-fixture.ts";
import { runBuild, type BuildReport, type BuildRequest } from "./run.ts";
import { startEarly, takeEarly, CLOCK_MARGIN_MS } from "./early-bundle.ts";
import { loadFunctions } from "./discovery.ts";
import type { NodeBuildOptions } from "./bundler.ts";

// The build server's early bundle (early-bundle.ts): the functions edited since the last build it ran
// are bundled as the request comes in, and the build takes that bundle only when it is exactly what it
// would have bundled itself.
let fx: BuildFixture;
beforeAll(() => (fx = buildFixture()));
afterAll(() => fx.cleanup());

const run = runCommand;
const build = (outDir: string, over: Partial<BuildRequest> = {}) =>
  runBuild({
    repoRoot: fx.dir, template: fx.file("infra/template.yml"), outDir: fx.file(outDir), only: [], clean: false,
    bundleAwsSdk: false, concurrency: 2, run, esbuildVersion, ...over,
  });
const built = (r: BuildReport) => r.functions.filter((f) => f.status === "built").map((f) => f.id);
/** Every file of a function's artifact and its bytes. */
const artifact = (outDir: string, id: string) => {
  const dir = fx.file(path.join(outDir, "functions", ...id.split("/")));
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));
};
/** The options runBuild bundles Node.js functions with (run.ts nodeOptionsOf), key for key. */
const options = (): NodeBuildOptions => ({ repoRoot: fx.dir, bundleAwsSdk: false, minify: true, sourcemap: "linked" });
const HANDLER = "functions/get-user/handler.ts";
const GET_USER = "Api/GetUserFunction";
/** The get-user function as the build would discover and bundle it (its group of one). */
const getUserGroup = () => loadFunctions(fx.dir, fx.file("infra/template.yml")).functions.filter((f) => f.id === GET_USER);

/**
 * A warm build of `outDir`, then an edit of the handler (`marker`) older than the early run's clock margin,
 * then the early run started and finished with the edited function in it.
 */
async function editedAndBundledEarly(outDir: string, marker: string) {
  await build(outDir, { warm: true, clean: true });
  appendFileSync(fx.file(HANDLER), `\nexport const ${marker} = 1;\n`);
  await new Promise((r) => setTimeout(r, 2 * CLOCK_MARGIN_MS));
  const early = startEarly(fx.file(outDir), options(), () => performance.now());
  expect((await early!.running)?.has(GET_USER)).toBe(true);
  return { early: early!, group: getUserGroup() };
}

describe("the build server's early bundle", () => {
  let original: string;
  beforeAll(() => {
    original = readFileSync(fx.file(HANDLER), "utf8");
  });
  afterAll(() => writeFileSync(fx.file(HANDLER), original));

  it("bundles the edited function before the build looks, and its artifact is byte for byte the one a build of its own writes", async () => {
    await build(".hdoc/warm", { warm: true, clean: true });
    appendFileSync(fx.file(HANDLER), "\nexport const editedOnce = 1;\n");
    // (as when a client's Node starts: a file changed within CLOCK_MARGIN_MS of the early start is not trusted)
    await new Promise((r) => setTimeout(r, 2 * CLOCK_MARGIN_MS));
    const r = await build(".hdoc/warm", { warm: true });
    expect(r.ok).toBe(true);
    expect(built(r)).toEqual(["Api/GetUserFunction"]);
    expect(r.cache.bundledEarly).toBe(1);
    // the same sources built in a process of its own (no early bundle), into a folder as deep
    const alone = await build(".hdoc/alone", { clean: true });
    expect(alone.cache.bundledEarly).toBe(0);
    expect(artifact(".hdoc/warm", "Api/GetUserFunction")).toEqual(artifact(".hdoc/alone", "Api/GetUserFunction"));
    expect(artifact(".hdoc/warm", "Api/GetUserFunction")["handler.mjs"]).toContain("editedOnce");
    // and the next build trusts it: nothing to do
    const again = await build(".hdoc/warm", { warm: true });
    expect(built(again)).toEqual([]);
    expect(again.cache.bundledEarly).toBe(0);
  }, 120_000);

  it("is not started for a build of its own process, nor with other options than the last build's", async () => {
    await build(".hdoc/plain", { clean: true });
    appendFileSync(fx.file(HANDLER), "\nexport const editedPlain = 1;\n");
    // no warm build of .hdoc/plain ran in this process before: nothing to start from
    expect(startEarly(fx.file(".hdoc/plain"), options(), () => performance.now())).toBeUndefined();
    const warm = await build(".hdoc/plain", { warm: true });
    expect(warm.cache.bundledEarly).toBe(0);
    appendFileSync(fx.file(HANDLER), "\nexport const editedSdk = 1;\n");
    expect(startEarly(fx.file(".hdoc/plain"), { ...options(), bundleAwsSdk: true }, () => performance.now())).toBeUndefined();
    const sdk = await build(".hdoc/plain", { warm: true, bundleAwsSdk: true });
    expect(built(sdk)).toContain("Api/GetUserFunction");
    expect(sdk.cache.bundledEarly).toBe(0);
  }, 120_000);

  it("is dropped when the function's definition changed with its code: the build bundles it as the template now says", async () => {
    const api = fx.file("infra/api.yml");
    const template = readFileSync(api, "utf8");
    try {
      await build(".hdoc/defn", { warm: true, clean: true });
      appendFileSync(fx.file(HANDLER), "\nexport const editedDefn = 1;\n");
      writeFileSync(api, template.replace("      CodeUri: ../functions/get-user\n", "      CodeUri: ../functions/get-user\n      Runtime: nodejs20.x\n"));
      await new Promise((r) => setTimeout(r, 2 * CLOCK_MARGIN_MS));
      const r = await build(".hdoc/defn", { warm: true });
      expect(r.ok).toBe(true);
      expect(r.functions.find((f) => f.id === "Api/GetUserFunction")).toMatchObject({ status: "built", runtime: "nodejs20.x" });
      expect(r.cache.bundledEarly).toBe(0);
      expect(artifact(".hdoc/defn", "Api/GetUserFunction")["handler.mjs"]).toContain("editedDefn");
    } finally {
      writeFileSync(api, template);
    }
  }, 120_000);

  it("leaves out a function whose file changed after its early run read it (the build bundles the new text)", async () => {
    await build(".hdoc/race", { warm: true, clean: true });
    appendFileSync(fx.file(HANDLER), "\nexport const beforeEarly = 1;\n");
    await new Promise((r) => setTimeout(r, 2 * CLOCK_MARGIN_MS));
    const early = startEarly(fx.file(".hdoc/race"), options(), () => performance.now());
    expect(early).toBeDefined();
    const done = await early!.running;
    expect(done?.has("Api/GetUserFunction")).toBe(true);
    // the group the build would bundle: the function as discovered
    const group = loadFunctions(fx.dir, fx.file("infra/template.yml")).functions.filter((f) => f.id === "Api/GetUserFunction");
    // esbuild has read the file; it changes now, after the early run started
    appendFileSync(fx.file(HANDLER), "\nexport const afterEarly = 1;\n");
    const taken = takeEarly(early, group, options());
    expect(taken).toBeDefined();
    expect((await taken!.results)?.has("Api/GetUserFunction")).toBe(false);
    // unchanged since, the same early run is taken (the control: the file's change is what left it out)
    await new Promise((r) => setTimeout(r, 2 * CLOCK_MARGIN_MS));
    const again = startEarly(fx.file(".hdoc/race"), options(), () => performance.now());
    await again!.running;
    expect((await takeEarly(again, group, options())!.results)?.has("Api/GetUserFunction")).toBe(true);
    const r = await build(".hdoc/race", { warm: true });
    expect(built(r)).toEqual(["Api/GetUserFunction"]);
    expect(artifact(".hdoc/race", "Api/GetUserFunction")["handler.mjs"]).toContain("afterEarly");
  }, 120_000);

  it.each([
    ["a file created beside its sources that an import now resolves to", () => writeFileSync(fx.file("functions/get-user/util.ts"), "export const u = 'ts';\n")],
    ["a tsconfig.json created in its folder", () => writeFileSync(fx.file("functions/get-user/tsconfig.json"), "{}\n")],
    ["the repository's package-lock.json changed", () => appendFileSync(fx.file("package-lock.json"), "\n")],
  ])("leaves out a function when, after its early run started, %s (each decides its input hash)", async (_what, change) => {
    const lock = fx.file("package-lock.json");
    writeFileSync(lock, "{}\n");
    writeFileSync(fx.file("functions/get-user/util.js"), "export const u = 'js';\n");
    writeFileSync(fx.file(HANDLER), original + "\nimport { u } from './util';\nexport const uu = u;\n");
    try {
      const { early, group } = await editedAndBundledEarly(".hdoc/inputs", "editedInputs");
      change();
      expect((await takeEarly(early, group, options())!.results)?.has("Api/GetUserFunction")).toBe(false);
    } finally {
      for (const f of ["functions/get-user/util.ts", "functions/get-user/util.js", "functions/get-user/tsconfig.json", "package-lock.json"]) rmSync(fx.file(f), { force: true });
      writeFileSync(fx.file(HANDLER), original);
    }
  }, 120_000);

  it("leaves out a function whose early files cannot be written (a file stands where its staging folder goes), removes what it wrote, and the build bundles it itself", async () => {
    const { early, group } = await editedAndBundledEarly(".hdoc/unwritable", "editedUnwritable");
    const staging = early.stagings.get(GET_USER)!;
    mkdirSync(path.dirname(staging), { recursive: true });
    writeFileSync(staging, "in the way\n");
    expect((await takeEarly(early, group, options())!.results)?.has("Api/GetUserFunction")).toBe(false);
    expect(existsSync(staging)).toBe(false);
    // the build that follows bundles it itself and writes the edit
    const r = await build(".hdoc/unwritable", { warm: true });
    expect(r.ok).toBe(true);
    expect(built(r)).toEqual(["Api/GetUserFunction"]);
    expect(artifact(".hdoc/unwritable", "Api/GetUserFunction")["handler.mjs"]).toContain("editedUnwritable");
  }, 120_000);

  it("is not of a group with other functions: the build bundles that group itself", () => {
    const group = loadFunctions(fx.dir, fx.file("infra/template.yml")).functions.filter((f) => f.id === "Api/ListUsersFunction");
    const early = { key: "[]", fsStart: Date.now(), started: 0, stagings: new Map(), files: [], running: Promise.resolve(undefined) };
    expect(takeEarly(early, group, options())).toBeUndefined();
    expect(takeEarly(undefined, group, options())).toBeUndefined();
  });
});
