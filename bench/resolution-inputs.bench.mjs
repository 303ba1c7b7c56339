// The files that decide how a function's imports resolve (cli/core/fs/resolution-inputs.ts), listed
// for every function of a 400-function tree shaped like the generated build fixture: each function's
// folder and tsconfig.json (extending a base at the root, which extends a package's), the shared code
// every function imports. "per function" reads every tsconfig.json and folder again for each function
// (what a build did before the reads were shared, and what `hdoc dev` does per bundle); "per build"
// shares one ResolutionReads across the functions, as `hdoc build` does now. Side by side, 3 rounds.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { build } from "esbuild";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const COUNT = Number(process.env.HDOC_BENCH_LARGE ?? 400) || 400;

function tree(dir) {
  const put = (f, text) => {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  };
  put("package.json", "{}");
  put("tsconfig.base.json", JSON.stringify({ extends: "@tsconfig/node20/tsconfig.json", compilerOptions: { strict: true } }));
  put("node_modules/@tsconfig/node20/package.json", JSON.stringify({ name: "@tsconfig/node20", version: "20.1.4" }));
  put("node_modules/@tsconfig/node20/tsconfig.json", "{}");
  for (const f of ["http.ts", "json.ts", "dynamo.ts", "log.ts"]) put(`functions/shared/src/${f}`, "export {};\n");
  put("functions/shared/package.json", "{}");
  const fns = [];
  for (let i = 0; i < COUNT; i++) {
    const fn = `functions/fn-${String(i).padStart(3, "0")}`;
    put(`${fn}/package.json`, "{}");
    put(`${fn}/tsconfig.json`, JSON.stringify({ extends: "../../tsconfig.base.json" }));
    put(`${fn}/handler.ts`, "export const handler = async () => 1;\n");
    fns.push({ codeDir: path.join(dir, fn), sources: [path.join(dir, fn, "handler.ts"), ...["http.ts", "json.ts", "dynamo.ts", "log.ts"].map((f) => path.join(dir, "functions/shared/src", f))] });
  }
  return fns;
}

export default async function (report) {
  const out = await build({ entryPoints: [path.join(REPO, "cli/core/fs/resolution-inputs.ts")], bundle: true, platform: "node", format: "esm", write: false, logLevel: "silent" });
  const dir = mkdtempSync(path.join(tmpdir(), "hdoc-bench-resolution-"));
  try {
    const modFile = path.join(dir, "resolution-inputs.mjs");
    writeFileSync(modFile, out.outputFiles[0].text);
    const { decidingFiles, sourceFolders, ResolutionReads } = await import(pathToFileURL(modFile).href);
    const root = path.join(dir, "repo");
    const fns = tree(root);
    const all = (shared) => {
      let n = 0;
      const reads = shared ? new ResolutionReads() : undefined;
      for (const fn of fns) {
        const r = reads ?? new ResolutionReads();
        for (const d of sourceFolders(fn.sources, root)) n += r.listing(d).length;
        n += decidingFiles(fn.sources, fn.codeDir, root, r).length;
      }
      return n;
    };
    all(true); // warm the file system cache
    const rows = [];
    for (let round = 1; round <= 3; round++) {
      let t = performance.now();
      const a = all(false);
      const perFunction = performance.now() - t;
      t = performance.now();
      const b = all(true);
      const perBuild = performance.now() - t;
      if (a !== b) throw new Error("the shared reads gave another list");
      rows.push({ round, functions: COUNT, "per function (ms)": perFunction.toFixed(1), "per build (ms)": perBuild.toFixed(1), "per build / per function": (perBuild / perFunction).toFixed(2), load: loadavg()[0].toFixed(2) });
    }
    report(`resolution inputs of ${COUNT} functions: reads per function vs one set of reads per build`, rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
