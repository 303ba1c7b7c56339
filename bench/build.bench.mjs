// `hdoc build` against the original approach (copy each function folder and `npm install` its
// dependencies into it, one folder after another, warm npm cache), on a generated fixture of 20
// functions in nested stacks and on the repository's own infra/ when it exists. Runs the built
// binary (npm run bench builds it first), so every figure includes Node's start-up.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, appendFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { performance } from "node:perf_hooks";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HDOC = path.join(REPO, "bin/hdoc.js");
const COUNT = 20;
const DEPS = ["yaml", "smol-toml", "ini"];

const versionOf = (pkg) => JSON.parse(readFileSync(path.join(REPO, "node_modules", pkg, "package.json"), "utf8")).version;
const seconds = (ms) => (ms / 1000).toFixed(2);

function folderSize(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += folderSize(full);
    else if (e.isFile()) total += statSync(full).size;
  }
  return total;
}

function generateFixture() {
  const dir = mkdtempSync(path.join(tmpdir(), "hdoc-bench-build-"));
  const put = (rel, text) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  put("hdoc.config.json", "{}\n");
  symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  put("functions/shared/package.json", JSON.stringify({ name: "@bench/shared", version: "1.0.0", private: true }));
  put("functions/shared/respond.ts", `export const respond = (statusCode: number, body: unknown) => ({ statusCode, body: JSON.stringify(body) });\n`);
  const stacks = { "api.yml": [], "jobs.yml": [] };
  for (let i = 0; i < COUNT; i++) {
    const name = `fn-${String(i).padStart(2, "0")}`;
    const deps = [DEPS[i % 3], DEPS[(i + 1) % 3]];
    put(`functions/${name}/package.json`, JSON.stringify({ name: `@bench/${name}`, version: "1.0.0", private: true, type: "module", dependencies: Object.fromEntries(deps.map((d) => [d, `^${versionOf(d)}`])) }, null, 2));
    const uses = {
      yaml: [`import { parse as parseYaml } from "yaml";`, `parseYaml(event.yaml ?? "a: 1")`],
      "smol-toml": [`import { parse as parseToml } from "smol-toml";`, `parseToml(event.toml ?? "a = 1")`],
      ini: [`import { parse as parseIni } from "ini";`, `parseIni(event.ini ?? "a=1")`],
    };
    put(`functions/${name}/handler.ts`, [
      ...deps.map((d) => uses[d][0]),
      `import { respond } from "../shared/respond.ts";`,
      `export const handler = async (event: Record<string, string>) => respond(200, { fn: "${name}", parsed: [${deps.map((d) => uses[d][1]).join(", ")}] });`,
      "",
    ].join("\n"));
    stacks[i % 2 ? "jobs.yml" : "api.yml"].push(name);
  }
  const fnResource = (name) => `  F${name.replace(/\W/g, "")}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ../functions/${name}\n`;
  for (const [file, names] of Object.entries(stacks)) {
    put(`infra/${file}`, `Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: nodejs22.x\n    Handler: handler.handler\n    Architectures: [arm64]\nResources:\n${names.map(fnResource).join("")}`);
  }
  put("infra/template.yml", `Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: api.yml\n  Jobs:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: jobs.yml\n`);
  return dir;
}

async function hdocBuild(cwd, args) {
  const started = performance.now();
  const r = await execa("node", [HDOC, "build", "--json", ...args], { cwd, reject: false });
  const ms = performance.now() - started;
  const doc = r.stdout ? JSON.parse(r.stdout) : { functions: [] };
  return { ms, doc, exitCode: r.exitCode };
}

/** The original approach: copy each function folder, npm install into it, one after another. */
async function originalApproach(codeDirs, workspaceNames) {
  const work = mkdtempSync(path.join(tmpdir(), "hdoc-bench-orig-"));
  const sizes = new Map();
  const started = performance.now();
  for (const codeDir of codeDirs) {
    const dest = path.join(work, path.basename(codeDir));
    cpSync(codeDir, dest, { recursive: true, filter: (s) => !s.includes("node_modules") });
    const pkgFile = path.join(dest, "package.json");
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    // A workspace package (e.g. @hdoc/shared) is not on the registry: the original loop could not install it either.
    for (const n of workspaceNames) delete pkg.dependencies?.[n];
    writeFileSync(pkgFile, JSON.stringify(pkg));
    await execa("npm", ["install", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dest });
    sizes.set(codeDir, folderSize(dest));
  }
  const ms = performance.now() - started;
  rmSync(work, { recursive: true, force: true });
  return { ms, sizes };
}

async function measure(label, cwd, extraArgs, changeOne) {
  const list = JSON.parse((await execa("node", [HDOC, "build", "--list", "--json", ...extraArgs], { cwd, reject: false })).stdout);
  const root = cwd;
  const codeDirs = list.functions.filter((f) => f.runtime.startsWith("nodejs")).map((f) => path.resolve(root, path.dirname(f.template), f.codeUri));
  const workspaceNames = readdirSync(path.join(root, "functions")).map((d) => {
    try { return JSON.parse(readFileSync(path.join(root, "functions", d, "package.json"), "utf8")).name; } catch { return undefined; }
  }).filter(Boolean);
  const original = await originalApproach(codeDirs, workspaceNames);
  const cold = await hdocBuild(cwd, ["--clean", ...extraArgs]);
  const noop = await hdocBuild(cwd, extraArgs);
  changeOne();
  const one = await hdocBuild(cwd, extraArgs);
  const built = cold.doc.functions.filter((f) => f.status === "built");
  const byId = new Map(list.functions.map((f) => [f.id, path.resolve(root, path.dirname(f.template), f.codeUri)]));
  const ratios = built.map((f) => f.size / (original.sizes.get(byId.get(f.id)) ?? Infinity)).filter((r) => Number.isFinite(r) && r > 0);
  const worst = ratios.length ? Math.max(...ratios) : NaN;
  return {
    fixture: label,
    functions: `${built.length}/${list.functions.length}`,
    "original (s)": seconds(original.ms),
    "cold (s)": seconds(cold.ms),
    "no-op (s)": seconds(noop.ms),
    "one changed (s)": seconds(one.ms),
    "original/cold": `${(original.ms / cold.ms).toFixed(1)}x (>=10x)`,
    "no-op/cold": `${((noop.ms / cold.ms) * 100).toFixed(1)}% (<5%)`,
    "rebuilt after 1 change": one.doc.functions.filter((f) => f.status === "built").length,
    "artifact/installed (worst)": Number.isFinite(worst) ? `1/${Math.round(1 / worst)} (<=1/20)` : "n/a",
    "avg artifact kB": built.length ? (built.reduce((s, f) => s + f.size, 0) / built.length / 1024).toFixed(1) : "n/a",
    "avg installed kB": original.sizes.size ? ([...original.sizes.values()].reduce((a, b) => a + b, 0) / original.sizes.size / 1024).toFixed(0) : "n/a",
  };
}

export default async function (report) {
  const rows = [];
  const gen = generateFixture();
  try {
    rows.push(await measure(`generated (${COUNT} functions)`, gen, [], () => appendFileSync(path.join(gen, "functions/fn-07/handler.ts"), "\nexport const touched = 1;\n")));
  } finally {
    rmSync(gen, { recursive: true, force: true });
  }
  if (existsSync(path.join(REPO, "infra/template.yml"))) {
    const out = mkdtempSync(path.join(tmpdir(), "hdoc-bench-repo-"));
    const list = JSON.parse((await execa("node", [HDOC, "build", "--list", "--json"], { cwd: REPO, reject: false })).stdout);
    const first = list.functions.find((f) => f.runtime.startsWith("nodejs"));
    const handler = first && path.resolve(REPO, path.dirname(first.template), first.codeUri, "handler.ts");
    const before = handler && existsSync(handler) ? readFileSync(handler, "utf8") : undefined;
    try {
      rows.push(await measure("repository infra/", REPO, ["--out-dir", out], () => before !== undefined && writeFileSync(handler, before + "\n// bench\n")));
    } finally {
      if (before !== undefined) writeFileSync(handler, before);
      rmSync(out, { recursive: true, force: true });
    }
  }
  report("hdoc build vs the original per-folder npm install", rows);
}
