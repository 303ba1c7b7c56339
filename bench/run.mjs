// `npm run bench`: runs every bench/*.bench.mjs in name order and prints their figures side by side.
// Each module exports `default async function (report)`; report(title, rows) prints one table where
// rows are objects of the same shape (figures measured in this run, ratios computed from them).
import { readdirSync } from "node:fs";

import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

// hdoc silences the AWS SDK's Node-version notice (bin/hdoc.js); benchmarks that use the SDK directly do too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// No build server unless a figure asks for one (bench/build.bench.mjs measures with and without it).
process.env.HDOC_BUILD_SERVER ??= "0";

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

function report(title, rows) {
  console.log(`\n## ${title}`);
  if (!rows.length) return;
  const headers = Object.keys(rows[0]);
  const cells = rows.map((r) => headers.map((h) => String(r[h] ?? "")));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => "| " + c.map((v, i) => v.padEnd(widths[i])).join(" | ") + " |";
  console.log(line(headers));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const c of cells) console.log(line(c));
}

console.log(`hdoc benchmarks: node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString()}`);
for (const f of files) {
  const mod = await import(pathToFileURL(path.join(dir, f)).href);
  const started = Date.now();
  await mod.default(report);
  console.log(`(${f}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
