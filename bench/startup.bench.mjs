// CLI start-up: median wall time of `node -e ''`, `hdoc --help` and `hdoc --version`, side by side,
// with the ratio to bare node (target: --help within 1.5x). Runs the built binary (npm run build).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}`);
  return ms;
}

export default async function (report) {
  const cases = [
    ["node -e ''", ["-e", ""]],
    ["hdoc --help", ["bin/hdoc.js", "--help"]],
    ["hdoc --version", ["bin/hdoc.js", "--version"]],
  ];
  for (const [, args] of cases) time(args); // warm the file cache
  const samples = cases.map(() => []);
  // interleaved, so a burst of load on a shared machine hits every case alike
  for (let i = 0; i < RUNS; i++) cases.forEach(([, args], c) => samples[c].push(time(args)));
  const base = median(samples[0]);
  report(
    `CLI start-up (median of ${RUNS} runs, wall time)`,
    cases.map(([label], c) => ({
      command: label,
      "median ms": median(samples[c]).toFixed(1),
      "min ms": Math.min(...samples[c]).toFixed(1),
      "x node -e ''": (median(samples[c]) / base).toFixed(2),
    })),
  );
}
