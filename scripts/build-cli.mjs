// Builds the hdoc CLI into dist/cli with esbuild: one ESM entry plus lazily loaded chunks, so
// `hdoc --help` loads commander and nothing of the AWS SDK. Dependencies stay external except
// commander, which is bundled into the entry: loading it as a CommonJS package from ESM (several
// files resolved, read and lexed) was the largest part of start-up (see bench/startup.bench.mjs).
// js-yaml is bundled for the same reason (into the chunk of the template reader): one ES module
// compiled with the chunk instead of a package resolved and loaded on every build that reads a template.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const BUNDLED = new Set(["commander", "js-yaml"]);

rmSync(new URL("../dist/cli", import.meta.url), { recursive: true, force: true });
await build({
  // The worker threads of hdoc dev start from files of their own, beside the chunks that start them
  // (cli/core/dev/worker-script.ts finds them there).
  entryPoints: {
    main: "cli/main.ts",
    "chunks/function-worker": "cli/core/dev/runtime/function-worker.ts",
    "chunks/dynamo-worker": "cli/core/dev/dynamo-worker.ts",
  },
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d)).flatMap((d) => [d, `${d}/*`]),
  // bundled CommonJS (commander) calls require() for Node built-ins
  banner: { js: 'import { createRequire as __hdocCreateRequire } from "node:module";\nconst require = __hdocCreateRequire(import.meta.url);' },
  sourcemap: "linked",
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: "chunks/[name]-[hash]",
  define: { HDOC_VERSION: JSON.stringify(pkg.version), HDOC_BUNDLED: "true" },
  logLevel: "warning",
});
