// `hdoc build` against the original approach, on a generated fixture of 20 functions shaped like the
// real backend's and on the repository's own infra/.
//
// The generated fixture copies the backend's layout: functions/shared is the real @hdoc/shared code
// (copied from the repository), and each of the 20 functions' package.json declares what a real one
// declares (@hdoc/shared, @aws-sdk/client-dynamodb, @aws-sdk/lib-dynamodb) plus one small real
// third-party library from node_modules (ms, nanoid, semver, pretty-ms, ini, smol-toml,
// fast-deep-equal, big.js), which its handler uses. node_modules looks like `npm ci` left it: the
// libraries as real folders, @hdoc/shared linked to functions/shared, everything else linked to the
// repository's node_modules, and the repository's package-lock.json.
//
// "Original approach" = the original buildspec's loop: for each function folder, one after another,
// copy it and `npm install --omit=dev` what its package.json declares (warm npm cache, offline;
// @hdoc/shared, a workspace package that is not on the registry, is installed from its folder with
// --install-links, i.e. copied as a registry package would be). Every hdoc figure runs the built binary
// (npm run bench builds it first), so it includes Node's start-up, shown beside it.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, appendFileSync, existsSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";
import { performance } from "node:perf_hooks";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// HDOC_BENCH_BIN runs another hdoc (e.g. an older checkout's bin/hdoc.js) on the same fixtures, for before/after figures.
const HDOC = process.env.HDOC_BENCH_BIN ? path.resolve(process.env.HDOC_BENCH_BIN) : path.join(REPO, "bin/hdoc.js");
const COUNT = 20;
/** The large generated fixture, for the ratios at scale (HDOC_BENCH_LARGE=0 leaves it out). */
const LARGE = Number(process.env.HDOC_BENCH_LARGE ?? 400);
const SDK = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb"];
/** One small library per function, and how its handler uses it. */
const LIBS = {
  ms: [`import ms from "ms";`, `ms(req.query("ttl") ?? "2 days")`],
  nanoid: [`import { nanoid } from "nanoid";`, `nanoid()`],
  semver: [`import { valid } from "semver";`, `valid(req.query("version") ?? "1.2.3")`],
  "pretty-ms": [`import prettyMs from "pretty-ms";`, `prettyMs(Number(req.query("ms") ?? 1337000))`],
  ini: [`import { parse } from "ini";`, `parse(req.query("ini") ?? "a=1")`],
  "smol-toml": [`import { parse } from "smol-toml";`, `parse(req.query("toml") ?? "a = 1")`],
  "fast-deep-equal": [`import equal from "fast-deep-equal";`, `equal(req.event, { a: 1 })`],
  "big.js": [`import Big from "big.js";`, `new Big(req.query("n") ?? "0.1").plus("0.2").toString()`],
};
const LIB_NAMES = Object.keys(LIBS);

const readJson = (f) => JSON.parse(readFileSync(f, "utf8"));
const versionOf = (pkg) => readJson(path.join(REPO, "node_modules", pkg, "package.json")).version;
const seconds = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : "n/a");
const ms = (v) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(0) : "n/a");
const percent = (a, b) => (typeof a === "number" && typeof b === "number" && b > 0 ? `${((a / b) * 100).toFixed(1)}%` : "n/a");
const kB = (bytes) => `${(bytes / 1024).toFixed(0)} kB`;
const ratio = (small, big) => (small > 0 && big > 0 ? `1/${Math.round(big / small)}` : "n/a");

function folderSize(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += folderSize(full);
    else if (e.isFile()) total += statSync(full).size;
  }
  return total;
}

/** The libraries plus their own dependencies (pretty-ms needs parse-ms). */
function libraryClosure(names) {
  const out = new Set();
  const visit = (n) => {
    if (out.has(n)) return;
    out.add(n);
    for (const d of Object.keys(readJson(path.join(REPO, "node_modules", n, "package.json")).dependencies ?? {})) visit(d);
  };
  names.forEach(visit);
  return out;
}

/** A backend of `count` functions in a temporary folder; returns its path. */
export function generateFixture(count = COUNT) {
  const dir = mkdtempSync(path.join(tmpdir(), "hdoc-bench-build-"));
  const put = (rel, text) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  put("hdoc.config.json", "{}\n");
  put("package.json", JSON.stringify({ name: "bench-backend", private: true, type: "module", workspaces: ["functions/*"] }, null, 2));
  cpSync(path.join(REPO, "package-lock.json"), path.join(dir, "package-lock.json"));
  // node_modules as npm ci leaves it.
  const nm = path.join(dir, "node_modules");
  mkdirSync(path.join(nm, "@hdoc"), { recursive: true });
  const copied = libraryClosure(LIB_NAMES);
  for (const name of readdirSync(path.join(REPO, "node_modules"))) {
    if (name === "@hdoc" || name.startsWith(".")) continue;
    if (copied.has(name)) cpSync(path.join(REPO, "node_modules", name), path.join(nm, name), { recursive: true, dereference: true });
    else symlinkSync(path.join(REPO, "node_modules", name), path.join(nm, name));
  }
  symlinkSync("../../functions/shared", path.join(nm, "@hdoc/shared"));
  // The real shared code.
  const shared = path.join(REPO, "functions/shared");
  for (const f of readdirSync(shared)) if (f === "package.json" || (f.endsWith(".ts") && !f.endsWith(".test.ts"))) cpSync(path.join(shared, f), path.join(dir, "functions/shared", f));
  const sdkRange = readJson(path.join(shared, "package.json")).dependencies["@aws-sdk/client-dynamodb"];
  const stacks = { "api.yml": [], "jobs.yml": [] };
  for (let i = 0; i < count; i++) {
    const name = `fn-${String(i).padStart(2, "0")}`;
    const lib = LIB_NAMES[i % LIB_NAMES.length];
    const dependencies = { "@hdoc/shared": "*", ...Object.fromEntries(SDK.map((d) => [d, sdkRange])), [lib]: `^${versionOf(lib)}` };
    put(`functions/${name}/package.json`, JSON.stringify({ name: `@hdoc/${name}`, version: "0.1.0", private: true, type: "module", main: "handler.ts", dependencies }, null, 2));
    put(`functions/${name}/handler.ts`, [
      `/** GET /users/{username}/${name}: the user's public profile and a value computed with ${lib}. */`,
      `import { containerHandler, httpHandler, notFound, respond } from "@hdoc/shared/http";`,
      `import { documentClient } from "@hdoc/shared/dynamo";`,
      `import { requireEnv } from "@hdoc/shared/env";`,
      `import { jsonLogger } from "@hdoc/shared/log";`,
      `import { dynamoUserStore, publicUser } from "@hdoc/shared/users";`,
      LIBS[lib][0],
      ``,
      `export const handler = containerHandler("${name}", jsonLogger, () => {`,
      `  const users = dynamoUserStore(documentClient(), requireEnv("USERS_TABLE"));`,
      `  return httpHandler("${name}", jsonLogger, async (req) => {`,
      `    const user = await users.get(req.path("username") ?? "");`,
      `    if (!user) throw notFound("user");`,
      `    return respond(200, { user: publicUser(user), value: ${LIBS[lib][1]} }, req.requestId);`,
      `  });`,
      `});`,
      ``,
    ].join("\n"));
    stacks[i % 2 ? "jobs.yml" : "api.yml"].push(name);
  }
  const fnResource = (name) => `  F${name.replace(/\W/g, "")}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ../functions/${name}\n      Events:\n        Get:\n          Type: Api\n          Properties: { Path: "/users/{username}/${name}", Method: get }\n`;
  for (const [file, names] of Object.entries(stacks)) {
    put(`infra/${file}`, `Transform: AWS::Serverless-2016-10-31\nParameters:\n  UsersTableName: { Type: String }\nGlobals:\n  Function:\n    Runtime: nodejs22.x\n    Handler: handler.handler\n    Architectures: [arm64]\n    MemorySize: 256\n    Environment:\n      Variables:\n        USERS_TABLE: !Ref UsersTableName\nResources:\n${names.map(fnResource).join("")}`);
  }
  put("infra/template.yml", `Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: api.yml\n      Parameters: { UsersTableName: users }\n  Jobs:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: jobs.yml\n      Parameters: { UsersTableName: users }\n`);
  return dir;
}

async function timed(args, cwd, env = {}) {
  const started = performance.now();
  const r = await execa("node", args, { cwd, reject: false, env });
  return { ms: performance.now() - started, r };
}

/** The environment of a build that may use (and start) the repository's build server; bench/run.mjs turns it off for the others. */
let WITH_SERVER = { HDOC_BUILD_SERVER: "1" }; // and a TMPDIR of its own for the socket folder, set when the bench runs

async function hdocBuild(cwd, args, env = {}) {
  const served = env === WITH_SERVER;
  const { ms, r } = await timed([HDOC, "build", "--json", ...(served ? ["--verbose"] : []), ...args], cwd, env);
  if (r.exitCode !== 0) throw new Error(`hdoc build ${args.join(" ")} failed (${r.exitCode}): ${r.stderr}`);
  // a figure "with the server" is one: the build says who ran it
  if (served && !/running in the build server \(pid \d+\)/.test(r.stderr)) throw new Error(`hdoc build ${args.join(" ")} did not run in the build server: ${r.stderr}`);
  const doc = JSON.parse(r.stdout);
  return { ms, doc, inProcessMs: doc.ms };
}

/** Starts the build server of the project at `cwd` with a build (as the first build on a developer's machine does) and waits until it is up. */
async function startServer(cwd, args) {
  const r = await execa("node", [HDOC, "build", ...args], { cwd, reject: false, env: WITH_SERVER });
  const pid = /build server start(?:ed|ing) \(pid (\d+)\)/.exec(r.stderr)?.[1];
  const stop = () => execa("node", [HDOC, "build", "--stop-server"], { cwd, reject: false, env: WITH_SERVER });
  if (r.exitCode !== 0 || !pid) {
    await stop();
    throw new Error(`the build server did not start: ${r.stderr}`);
  }
  const record = path.join(cwd, ".hdoc/build-server.json");
  for (const until = Date.now() + 10_000; !(existsSync(record) && readJson(record).owner.pid === Number(pid)); ) {
    if (Date.now() > until) {
      process.kill(Number(pid), "SIGKILL");
      throw new Error("the build server did not come up within 10 s");
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return stop;
}

/** The median of n runs of a process (start-up figures are noisy on a shared machine). */
async function median(n, run) {
  const all = [];
  for (let i = 0; i < n; i++) all.push(await run());
  all.sort((a, b) => a.ms - b.ms);
  return all[Math.floor(n / 2)];
}

/** npm install into a copy of each folder, one after another; sizes of the installed copies. */
async function originalApproach(codeDirs, workspaces, strip = []) {
  const work = mkdtempSync(path.join(tmpdir(), "hdoc-bench-orig-"));
  const sizes = new Map();
  // Workspace packages as the registry would ship them (their own dependencies declared).
  const wsCopies = new Map();
  for (const [name, dir] of workspaces) {
    const dest = path.join(work, "ws", path.basename(dir));
    cpSync(dir, dest, { recursive: true, filter: (s) => !s.includes("node_modules") && !s.endsWith(".test.ts") });
    const pkg = readJson(path.join(dest, "package.json"));
    for (const s of strip) delete pkg.dependencies?.[s];
    writeFileSync(path.join(dest, "package.json"), JSON.stringify(pkg));
    wsCopies.set(name, dest);
  }
  const started = performance.now();
  for (const codeDir of codeDirs) {
    const dest = path.join(work, path.basename(codeDir));
    cpSync(codeDir, dest, { recursive: true, filter: (s) => !s.includes("node_modules") && !s.endsWith(".test.ts") && !s.includes(`${path.sep}events`) });
    const pkgFile = path.join(dest, "package.json");
    const pkg = readJson(pkgFile);
    for (const s of strip) delete pkg.dependencies?.[s];
    for (const [name, copy] of wsCopies) if (pkg.dependencies?.[name]) pkg.dependencies[name] = `file:${copy}`;
    writeFileSync(pkgFile, JSON.stringify(pkg));
    await execa("npm", ["install", "--omit=dev", "--prefer-offline", "--install-links", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"], { cwd: dest });
    sizes.set(codeDir, folderSize(dest));
  }
  const ms = performance.now() - started;
  rmSync(work, { recursive: true, force: true });
  return { ms, sizes };
}

/**
 * The floor of any Node build tool: one Node process that loads esbuild and calls its API once with
 * every handler as an entry point (bundle, ESM, minify, linked source maps, the AWS SDK external),
 * writing to a temporary folder. Whole process, like the hdoc figures.
 */
const FLOOR = `
import { build } from "esbuild";
const entryPoints = JSON.parse(process.env.FLOOR_ENTRIES);
await build({ entryPoints, outdir: process.env.FLOOR_OUT, bundle: true, format: "esm", platform: "node", target: "node22", minify: true,
  sourcemap: "linked", external: ["@aws-sdk/*", "@smithy/*"], mainFields: ["module", "main"], conditions: ["module", "node"], logLevel: "silent",
  banner: { js: "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);" } });
`;
/** Entry points of the floor for these functions (the same handler files hdoc bundles). */
function floorEntries(nodeFns, dirOf) {
  const entries = {};
  nodeFns.forEach((f, i) => {
    const module = path.join(dirOf(f), f.handler.slice(0, f.handler.lastIndexOf(".")));
    const file = [".ts", ".mts", ".js", ".mjs", ".cjs"].map((e) => module + e).find((x) => existsSync(x));
    entries[`${i}/${path.basename(module)}`] = file;
  });
  return entries;
}
/** One run of the floor over `entries`, into a new folder. */
async function floorOnce(entries) {
  const out = mkdtempSync(path.join(tmpdir(), "hdoc-bench-floor-"));
  try {
    const started = performance.now();
    const r = await execa("node", ["--input-type=module", "-e", FLOOR], { cwd: REPO, env: { FLOOR_ENTRIES: JSON.stringify(entries), FLOOR_OUT: out }, reject: false });
    if (r.exitCode !== 0) throw new Error(`the esbuild floor failed: ${r.stderr}`);
    return { ms: performance.now() - started };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The median of a list of numbers. */
const middle = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(label, cwd, outArgs, changeOne, bareNode, cliStart, o = {}) {
  const changedId = o.changedId;
  const list = JSON.parse((await execa("node", [HDOC, "build", "--list", "--json", ...outArgs], { cwd })).stdout);
  const nodeFns = list.functions.filter((f) => f.runtime.startsWith("nodejs"));
  const dirOf = (f) => path.resolve(cwd, path.dirname(f.template), f.codeUri);
  const workspaces = new Map();
  for (const d of readdirSync(path.join(cwd, "functions"))) {
    const f = path.join(cwd, "functions", d, "package.json");
    if (existsSync(f)) workspaces.set(readJson(f).name, path.join(cwd, "functions", d));
  }
  // HDOC_BENCH_SKIP_ORIGINAL=1 leaves out the npm installs (minutes) when only hdoc's figures are wanted.
  const skipOriginal = Boolean(process.env.HDOC_BENCH_SKIP_ORIGINAL) || o.skipOriginal;
  const none = { ms: NaN, sizes: new Map() };
  const original = skipOriginal ? none : await originalApproach(nodeFns.map(dirOf), workspaces);
  const originalNoSdk = skipOriginal ? none : await originalApproach(nodeFns.map(dirOf), workspaces, SDK);
  // The floor's own incremental bound: the same process bundling only the handler that changed.
  const changed = nodeFns.filter((f) => f.id === changedId);
  if (changed.length !== 1) throw new Error(`${label}: the changed function ${changedId} is not among ${nodeFns.map((f) => f.id).join(", ")}`);
  const allEntries = floorEntries(nodeFns, dirOf);
  const oneEntry = floorEntries(changed, dirOf);
  // cold = a build into a new, empty build folder (a fresh clone, a CI run): nothing to reuse and
  // nothing to remove, like the floor
  const coldOnce = async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), "hdoc-bench-cold-"));
    try {
      return await hdocBuild(cwd, ["--out-dir", fresh]);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  };
  // --clean = the same over an existing build (it removes the old one)
  const clean = await median(3, () => hdocBuild(cwd, ["--clean", ...outArgs]));
  const noop = await median(3, () => hdocBuild(cwd, outArgs));
  // The build server up (a developer's edit-build loop): a build starts it; 3 no-op builds run in it.
  const stopServer = await startServer(cwd, outArgs);
  let edits = 0;
  const rounds = [];
  let noopServer, lastOne, lastServed;
  try {
    noopServer = await median(3, () => hdocBuild(cwd, outArgs, WITH_SERVER));
    // Each ratio is taken within a round, its figures one right after the other, and the median of the
    // rounds is reported: this machine's speed drifts over seconds (Node's own start-up moves by tens of
    // ms), and figures taken minutes apart would compare two machines. The cold builds and the floor run
    // in processes of their own (no server); the one-changed builds append a line to the same handler.
    for (let i = 0; i < (o.rounds ?? 7); i++) {
      const floor = await floorOnce(allEntries);
      const cold = await coldOnce();
      changeOne(++edits);
      lastServed = await hdocBuild(cwd, outArgs, WITH_SERVER);
      changeOne(++edits);
      lastOne = await hdocBuild(cwd, outArgs);
      const floorOne = await floorOnce(oneEntry);
      rounds.push({ floor: floor.ms, cold: cold.ms, coldIn: cold.inProcessMs, served: lastServed.ms, early: lastServed.doc.cache.bundledEarly, one: lastOne.ms, floorOne: floorOne.ms });
    }
  } finally {
    await stopServer();
  }
  const med = (k) => middle(rounds.map((r) => r[k]));
  const medRatio = (a, b) => middle(rounds.map((r) => r[a] / r[b]));
  const span = (a, b) => {
    const all = rounds.map((r) => r[a] / r[b]);
    return `${Math.min(...all).toFixed(2)}-${Math.max(...all).toFixed(2)}`;
  };
  const cold = { ms: med("cold"), inProcessMs: med("coldIn"), doc: clean.doc };
  const floor = { ms: med("floor") };
  // The same functions bundled with the AWS SDK inside, to compare with installed folders that hold it.
  const sdkOut = mkdtempSync(path.join(tmpdir(), "hdoc-bench-sdk-"));
  const withSdk = o.skipSizes ? clean : await hdocBuild(cwd, ["--clean", "--bundle-aws-sdk", "--out-dir", sdkOut]);
  rmSync(sdkOut, { recursive: true, force: true });

  const built = clean.doc.functions.filter((f) => f.status === "built" && f.runtime.startsWith("nodejs"));
  const byId = new Map(nodeFns.map((f) => [f.id, dirOf(f)]));
  const sizeWithSdk = new Map(withSdk.doc.functions.map((f) => [f.id, f.size]));
  const worst = (artifact, installed) => {
    let w = { a: 0, i: 1 };
    for (const f of built) {
      const a = artifact(f), i = installed.get(byId.get(f.id));
      if (a && i && a / i > w.a / w.i) w = { a, i };
    }
    return `${ratio(w.a, w.i)} (${kB(w.a)} vs ${kB(w.i)})`;
  };
  const avg = (values) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return {
    large: Boolean(o.skipSizes),
    ratios: {
      fixture: label,
      rounds: rounds.length,
      "esbuild floor (ms)": ms(floor.ms),
      "cold (ms)": ms(cold.ms),
      "cold/floor": `${medRatio("cold", "floor").toFixed(2)}x (<=1.5x)`,
      "cold/floor, rounds": span("cold", "floor"),
      "one changed, server (ms)": ms(med("served")),
      "one changed/cold": `${medRatio("served", "cold").toFixed(2)}x (<=0.5x)`,
      "one/cold, rounds": span("served", "cold"),
      "bundled early": `${rounds.filter((r) => r.early > 0).length}/${rounds.length}`,
      "no server (ms)": ms(med("one")),
      "no server/cold": `${medRatio("one", "cold").toFixed(2)}x`,
      "floor: one handler/all": `${medRatio("floorOne", "floor").toFixed(2)}x`,
    },
    times: {
      fixture: label,
      functions: `${built.length}/${list.functions.length}`,
      "original (s)": seconds(original.ms),
      "cold (s)": seconds(cold.ms),
      "original/cold": Number.isFinite(original.ms) ? `${(original.ms / cold.ms).toFixed(1)}x (>=10x)` : "n/a",
      "cold in hdoc (ms)": ms(cold.inProcessMs),
      "no-op (ms)": ms(noop.ms),
      "no-op in hdoc (ms)": ms(noop.inProcessMs),
      "no-op, server (ms)": ms(noopServer.ms),
      "node -e '' (ms)": ms(bareNode.ms),
      "hdoc --version (ms)": ms(cliStart.ms),
      "no-op/cold": `${percent(noop.ms, cold.ms)} (<5%)`,
      "no-op/cold in hdoc": percent(noop.inProcessMs, cold.inProcessMs),
      "--clean (ms)": ms(clean.ms),
      "one changed (ms)": ms(med("one")),
      "one changed, server (ms)": ms(med("served")),
      "rebuilt after 1 change": lastOne.doc.functions.filter((f) => f.status === "built").length,
      "rebuilt, server": lastServed.doc.functions.filter((f) => f.status === "built").length,
    },
    sizes: {
      fixture: label,
      "avg artifact (SDK external)": kB(avg(built.map((f) => f.size))),
      "avg installed folder": kB(avg([...original.sizes.values()])),
      "as deployed: artifact / installed (worst)": worst((f) => f.size, original.sizes),
      "avg installed, SDK left out": kB(avg([...originalNoSdk.sizes.values()])),
      "SDK out both sides (worst)": worst((f) => f.size, originalNoSdk.sizes),
      "SDK in both sides (worst)": worst((f) => sizeWithSdk.get(f.id), original.sizes),
    },
  };
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

export default async function (report) {
  const serverTmp = mkdtempSync(path.join(tmpdir(), "hdoc-bench-server-"));
  WITH_SERVER = { HDOC_BUILD_SERVER: "1", TMPDIR: serverTmp };
  try {
    await run(report);
  } finally {
    rmSync(serverTmp, { recursive: true, force: true });
  }
}

async function run(report) {
  // The load average beside the figures: on a shared machine they are only comparable at a similar load.
  const loadBefore = load();
  const bareNode = await median(5, () => timed(["-e", ""], REPO));
  const caNode = process.env.NODE_EXTRA_CA_CERTS ? await median(5, () => timed(["-e", ""], REPO, { NODE_EXTRA_CA_CERTS: undefined })) : undefined;
  const cliStart = await median(5, () => timed([HDOC, "--version"], REPO));
  const rows = [];
  const gen = generateFixture();
  try {
    rows.push(await measure(`generated (${COUNT} functions)`, gen, [], (n) => appendFileSync(path.join(gen, "functions/fn-07/handler.ts"), `\nexport const touched${n} = ${n};\n`), bareNode, cliStart, { changedId: "Jobs/Ffn07" }));
    // Every artifact really loads (the SDK from node_modules, as the Lambda runtime provides it).
    const fnDir = path.join(gen, ".hdoc/build/functions");
    for (const stack of readdirSync(fnDir)) for (const fn of readdirSync(path.join(fnDir, stack))) {
      const mod = await import(pathToFileURL(path.join(fnDir, stack, fn, "handler.mjs")).href);
      if (typeof mod.handler !== "function") throw new Error(`${stack}/${fn}: the bundle exports no handler`);
    }
  } finally {
    rmSync(gen, { recursive: true, force: true });
  }
  if (existsSync(path.join(REPO, "infra/template.yml"))) {
    const out = mkdtempSync(path.join(tmpdir(), "hdoc-bench-repo-"));
    const list = JSON.parse((await execa("node", [HDOC, "build", "--list", "--json"], { cwd: REPO })).stdout);
    const first = list.functions.find((f) => f.runtime.startsWith("nodejs"));
    const handler = first && path.resolve(REPO, path.dirname(first.template), first.codeUri, "handler.ts");
    const before = handler && existsSync(handler) ? readFileSync(handler, "utf8") : undefined;
    try {
      rows.push(await measure("repository infra/", REPO, ["--out-dir", out], (n) => before !== undefined && writeFileSync(handler, before + `\n// bench ${n}\n`), bareNode, cliStart, { changedId: first?.id }));
    } finally {
      if (before !== undefined) writeFileSync(handler, before);
      rmSync(out, { recursive: true, force: true });
    }
  }
  if (LARGE > 0) {
    const big = generateFixture(LARGE);
    try {
      rows.push(await measure(`generated (${LARGE} functions)`, big, [], (n) => appendFileSync(path.join(big, "functions/fn-07/handler.ts"), `\nexport const touched${n} = ${n};\n`), bareNode, cliStart, { changedId: "Jobs/Ffn07", skipOriginal: true, skipSizes: true, rounds: 3 }));
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  }
  report("hdoc build against the floor of a Node build tool (one esbuild API call over every handler)", rows.map((r) => r.ratios));
  console.log(`load average (1, 5, 15 min): ${loadBefore} before, ${load()} after`);
  console.log(
    "Each fixture runs in rounds (7; 3 at scale), each round one after the other: the floor, a cold build, one changed with the\n" +
    "server, one changed without it, the floor for that handler alone; a ratio is the median of the rounds' own ratios (and\n" +
    "\"rounds\" their spread), so a drift of this machine's speed between figures does not enter it. esbuild floor = one Node\n" +
    "process calling esbuild's build() once with every handler as an entry point (bundle, ESM, minify, linked source maps, SDK\n" +
    "external) into a new folder; cold = hdoc build into a new, empty build folder (as in a fresh clone or a CI run); one changed,\n" +
    "server = hdoc build after appending a line to one handler, run by the repository's build server (the warm process the first\n" +
    "build on a developer's machine starts; 3 no-op builds ran in it first; \"bundled early\": the rounds in which it had started\n" +
    "bundling the edited handler as the request came in); no server = the same in the build's own process, as\n" +
    "in CI; floor: one handler/all = the floor bundling only that handler against the floor bundling all of them (what a Node\n" +
    "build tool that starts anew on every build is bounded by). --clean = hdoc build --clean over the previous build, median of 3.",
  );
  if (caNode) {
    console.log(
      `NODE_EXTRA_CA_CERTS is set here: Node loads the CA store at every start (node -e '' ${ms(bareNode.ms)} ms, ${ms(caNode.ms)} ms without it),\n` +
      "which every process above pays, the floor's and the build server client's included.",
    );
  }
  report("hdoc build vs the original per-folder npm install (times)", rows.filter((r) => !r.large).map((r) => r.times));
  console.log(
    "original = copy + npm install --omit=dev of each folder's declared dependencies, one folder after another (warm cache).\n" +
    "cold = hdoc build into a new, empty build folder, whole process; no-op = hdoc build again with nothing changed, whole\n" +
    "process, median of 3; " +
    "one changed = hdoc build after appending a line to one handler (server: run by the build server). \"in hdoc\" = the same runs timed inside the build command\n" +
    "(from its start to its output: discovery, cache check, bundling, templates, manifest), i.e. without Node's and the CLI's\n" +
    "start-up, which node -e '' (bare Node) and hdoc --version (Node + the CLI) show, each the median of 5.",
  );
  report("artifact vs installed folder (sizes, bytes of every file; hdoc artifacts include their source map)", rows.filter((r) => !r.large).map((r) => r.sizes));
  console.log(
    "as deployed = hdoc's artifact (AWS SDK left to the Lambda runtime) vs the folder the original approach deploys (SDK installed,\n" +
    "as each package.json declares it); SDK out both sides = the same artifact vs the folder installed without the @aws-sdk packages;\n" +
    "SDK in both sides = hdoc build --bundle-aws-sdk vs the folder with the SDK installed. Target: <= 1/20.",
  );
}
