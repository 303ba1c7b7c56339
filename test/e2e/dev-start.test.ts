// hdoc dev's start: "ready" before the seeded records reach their stream consumers, with every
// request waiting for them; the templates and the bundles of an unchanged project taken from the
// last start (and what changed parsed or bundled again).
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { REPO_ROOT, tempHome } from "../helpers/hdoc.ts";
import { freePort } from "../helpers/net.ts";
import { eventually, fixtureProject, startHdocDev, type RunningDev } from "../helpers/dev-server.ts";

const h = tempHome();
const projects: Array<{ cleanup(): void }> = [];
const running: RunningDev[] = [];
afterAll(async () => {
  await Promise.all(running.map((d) => d.stop()));
  for (const p of projects) p.cleanup();
  h.cleanup();
});

/** Templates younger than 2 s are not remembered (an edit within the clock's resolution could keep the stamp): age them. */
const age = (dir: string) => {
  const past = new Date(Date.now() - 60_000);
  for (const f of readdirSync(path.join(dir, "infra"))) utimesSync(path.join(dir, "infra", f), past, past);
};
const project = () => {
  const p = fixtureProject("test/fixtures/dev");
  projects.push(p);
  age(p.dir);
  return p.dir;
};
const start = async (dir: string, args: string[] = [], env?: Record<string, string>) => {
  const dev = await startHdocDev(["--verbose", "--port", String(await freePort()), "--seed-file", "seed.json", ...args], { cwd: dir, home: h.home, ...(env ? { env } : {}) });
  running.push(dev);
  return dev;
};
/** Replaces text that must be there (a fixture that changed would otherwise leave the test proving nothing). */
const edit = (file: string, edits: (text: string) => string) => {
  const before = readFileSync(file, "utf8"), after = edits(before);
  if (after === before) throw new Error(`${file}: the edit did not apply`);
  writeFileSync(file, after);
};
const stop = async (dev: RunningDev) => {
  running.splice(running.indexOf(dev), 1);
  return dev.stop();
};

describe("hdoc dev --seed: ready before the seeded records are delivered", () => {
  it("answers the first request only once a blocked stream consumer has applied the seeded records (was: ready waited for them)", async () => {
    const dir = project();
    const release = path.join(dir, "release-summer");
    const loaded = path.join(dir, "get-item-loaded");
    // The consumer of the Items stream waits until this test creates `release` (its Timeout raised, so a slow machine cannot cut it short).
    edit(path.join(dir, "functions/summer/handler.ts"), (t) => `import { existsSync } from "node:fs";\n${t.replace("export async function handler(event: DynamoDBStreamEvent) {", `$&\n  while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 20));`)}`);
    edit(path.join(dir, "infra/web.yml"), (t) => t.replace("      CodeUri: ../functions/summer\n", "$&      Timeout: 120\n"));
    // GetItemFunction's module says when a worker has loaded it: hdoc dev starts that worker when a request for it arrives.
    edit(path.join(dir, "functions/get-item/handler.ts"), (t) => `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(loaded)}, "");\n${t}`);
    age(dir);
    const dev = await start(dir);
    // "ready" came while the records were held at the consumer.
    expect(dev.stderr()).toContain("ready; Ctrl-C to stop");
    expect(dev.stderr()).not.toContain("start-up: seeded stream records delivered");
    let answered = false;
    const request = fetch(`${dev.url}/totals/ada`).then(async (r) => {
      answered = true;
      return { status: r.status, body: (await r.json()) as unknown };
    });
    // The request has reached its function (whose worker is up), and it is still waiting for the consumer.
    await eventually(async () => (existsSync(loaded) ? true : undefined), 60_000);
    expect(answered).toBe(false);
    expect(dev.stderr()).not.toContain("GET /totals/ada");
    writeFileSync(release, "");
    // Without the wait this read the Totals table before the consumer wrote ada's total (404).
    expect(await request).toEqual({ status: 200, body: { owner: "ada", total: 7 } });
    const err = await eventually(async () => (dev.stderr().includes("GET /totals/ada 200") ? dev.stderr() : undefined));
    expect(err.indexOf("start-up: seeded stream records delivered")).toBeGreaterThan(err.indexOf("ready; Ctrl-C to stop"));
    expect(err.indexOf("GET /totals/ada 200")).toBeGreaterThan(err.indexOf("start-up: seeded stream records delivered"));
    await stop(dev);
  });
});

describe("hdoc dev: what did not change since the last start is not parsed or bundled again", () => {
  it("takes the templates and the bundles from .hdoc/dev, and parses or bundles again what was edited", async () => {
    const dir = project();
    const first = await start(dir);
    await eventually(async () => (first.stderr().includes("functions bundled:") ? true : undefined), 60_000);
    expect(first.stderr()).toContain("templates read (parsed)");
    expect(first.stderr()).toMatch(/functions bundled: 5 by esbuild, 0 unchanged since the last run/);
    await stop(first);

    const second = await start(dir);
    await eventually(async () => (second.stderr().includes("functions bundled:") ? true : undefined), 60_000);
    expect(second.stderr()).toContain("templates read (unchanged since the last start: from .hdoc/dev/templates.json)");
    expect(second.stderr()).toMatch(/functions bundled: 0 by esbuild, 5 unchanged since the last run/);
    expect(await (await fetch(`${second.url}/items/ada/a1`)).json()).toEqual({ owner: "ada", id: "a1", value: 3 });
    await stop(second);

    // An edited handler, and a route moved in a nested template.
    const getItem = path.join(dir, "functions/get-item/handler.ts");
    writeFileSync(getItem, readFileSync(getItem, "utf8").replace("value: Number(out.Item.value!.N) }", "value: Number(out.Item.value!.N), edited: true }"));
    const web = path.join(dir, "infra/web.yml");
    writeFileSync(web, readFileSync(web, "utf8").replace('Path: "/items/{owner}/{id}"', 'Path: "/things/{owner}/{id}"'));
    age(dir);
    const third = await start(dir);
    await eventually(async () => (third.stderr().includes("functions bundled:") ? true : undefined), 60_000);
    expect(third.stderr()).toContain("templates read (parsed)");
    expect(third.stderr()).toMatch(/functions bundled: 1 by esbuild, 4 unchanged since the last run/);
    expect((await fetch(`${third.url}/items/ada/a1`)).status).toBe(403); // no longer a route: API Gateway's Missing Authentication Token
    expect(await (await fetch(`${third.url}/things/ada/a1`)).json()).toEqual({ owner: "ada", id: "a1", value: 3, edited: true });
    await stop(third);
  });
});

// closing-21, noticed: two hdoc dev runs of different templates in one checkout removed each other's bundles at start
describe("hdoc dev: runs of different templates in one checkout keep each other's bundles and parsed templates", () => {
  it("takes a template's bundles and templates from the caches after a run of another template started meanwhile (was: bundled and parsed again)", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "infra/solo.yml"), [
      "Transform: AWS::Serverless-2016-10-31",
      "Resources:",
      "  SoloFunction:",
      "    Type: AWS::Serverless::Function",
      "    Properties:",
      "      CodeUri: ../functions/echo",
      "      Handler: handler.handler",
      "      Runtime: nodejs22.x",
      "      Events:",
      "        Get: { Type: Api, Properties: { Path: \"/solo/{proxy+}\", Method: get } }",
      "",
    ].join("\n"));
    age(dir);
    const solo = async () => {
      const dev = await startHdocDev(["--verbose", "--port", String(await freePort()), "--template", "infra/solo.yml"], { cwd: dir, home: h.home });
      running.push(dev);
      return dev;
    };
    const bundled = async (dev: RunningDev) => /functions bundled: .*/.exec(await eventually(async () => (dev.stderr().includes("functions bundled:") ? dev.stderr() : undefined), 60_000))![0];
    const a = await start(dir);
    expect(await bundled(a)).toBe("functions bundled: 5 by esbuild, 0 unchanged since the last run (from .hdoc/dev/bundles)");
    // the second template's run starts while the first still runs
    const b = await solo();
    expect(await bundled(b)).toBe("functions bundled: 1 by esbuild, 0 unchanged since the last run (from .hdoc/dev/bundles)");
    expect((await fetch(`${b.url}/solo/x`)).status).toBe(200);
    await Promise.all([stop(a), stop(b)]);
    const again = await start(dir);
    expect(await bundled(again)).toBe("functions bundled: 0 by esbuild, 5 unchanged since the last run (from .hdoc/dev/bundles)");
    // and the parsed templates of each are kept beside the other's
    expect(again.stderr()).toContain("templates read (unchanged since the last start: from .hdoc/dev/templates.json)");
    await stop(again);
    const soloAgain = await solo();
    expect(await bundled(soloAgain)).toBe("functions bundled: 0 by esbuild, 1 unchanged since the last run (from .hdoc/dev/bundles)");
    expect(soloAgain.stderr()).toContain("templates read (unchanged since the last start: from .hdoc/dev/templates.json)");
    await stop(soloAgain);
  });
});

describe("hdoc dev: what its start loads", () => {
  const HOOK = pathToFileURL(path.join(REPO_ROOT, "test/helpers/module-log.mjs")).href;
  /** The modules a start imported (every import logged by a resolve hook), and the hdoc sources their chunks were built from. */
  const loadedBy = async (dir: string, name: string) => {
    const log = path.join(h.home, `${name}.modules`);
    writeFileSync(log, "");
    const dev = await start(dir, [], { NODE_OPTIONS: `--import ${HOOK}`, HDOC_TEST_MODULE_LOG: log });
    expect((await fetch(`${dev.url}/totals/ada`)).status).toBe(200); // the first request answered: the workers ran
    await stop(dev);
    const urls = readFileSync(log, "utf8").split("\n").filter(Boolean);
    const packages = new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter(Boolean));
    // each chunk of the built CLI names its sources in its source map
    const sources = new Set(urls.filter((u) => u.includes("/dist/cli/")).flatMap((u) => (JSON.parse(readFileSync(`${fileURLToPath(u)}.map`, "utf8")) as { sources: string[] }).sources.map((s) => s.replace(/^(\.\.\/)+/, ""))));
    return { packages, sources };
  };

  it("loads no AWS SDK client on its own thread (the tables and the seed are written by the database thread), and no template reader when the templates are unchanged", async () => {
    const dir = project();
    const first = await loadedBy(dir, "first");
    expect(first.sources.has("cli/core/cfn/template-yaml.ts")).toBe(true); // parsed: the reader was loaded (the check sees it)
    expect(first.sources.has("cli/core/dev/server.ts")).toBe(true);
    const second = await loadedBy(dir, "second");
    expect(second.sources.has("cli/core/cfn/template-yaml.ts")).toBe(false);
    for (const loaded of [first, second]) expect([...loaded.packages].filter((p) => /^@aws-sdk\/(client-|lib-)|^@smithy\//.test(p!))).toEqual([]);
  });
});
