// Builds the hdoc CLI into dist/cli with esbuild: one ESM entry plus lazily loaded chunks, so
// `hdoc --help` loads commander and nothing of the AWS SDK; `hdoc build` alone as one more file
// without chunks (build-main.js), and the build server and its client. Dependencies stay external except
// commander, which is bundled into the entry: loading it as a CommonJS package from ESM (several
// files resolved, read and lexed) was the largest part of start-up (see bench/startup.bench.mjs).
// js-yaml is bundled for the same reason (into the chunk of the template reader): one ES module
// compiled with the chunk instead of a package resolved and loaded on every build that reads a template.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { codeId } from "./code-id.mjs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const BUNDLED = new Set(["commander", "js-yaml"]);

const define = { HDOC_VERSION: JSON.stringify(pkg.version), HDOC_BUNDLED: "true", HDOC_CODE_ID: JSON.stringify(codeId(fileURLToPath(new URL("..", import.meta.url)), BUNDLED)) };
const external = Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d)).flatMap((d) => [d, `${d}/*`]);
// bundled CommonJS (commander) calls require() for Node built-ins
const banner = { js: 'import { createRequire as __hdocCreateRequire } from "node:module";\nconst require = __hdocCreateRequire(import.meta.url);' };

/** What every file of the CLI is built with. */
const common = { outdir: "dist/cli", bundle: true, platform: "node", target: "node20", sourcemap: "linked", minifyWhitespace: true, minifySyntax: true, define, logLevel: "warning" };

rmSync(new URL("../dist/cli", import.meta.url), { recursive: true, force: true });
await build({
  ...common,
  // The worker threads of hdoc dev start from files of their own, beside the chunks that start them
  // (cli/core/dev/worker-script.ts finds them there).
  entryPoints: {
    main: "cli/main.ts",
    "chunks/function-worker": "cli/core/dev/runtime/function-worker.ts",
    "chunks/dynamo-worker": "cli/core/dev/dynamo-worker.ts",
  },
  splitting: true,
  format: "esm",
  external,
  banner,
  chunkNames: "chunks/[name]-[hash]",
});

// `hdoc build` alone, one file without chunks (cli/build-main.ts): what bin/hdoc.js runs for a build.
await build({ ...common, entryPoints: { "build-main": "cli/build-main.ts" }, format: "esm", external, banner });

// The build server (the warm process that runs later builds) and the small client bin/hdoc.js tries
// before loading the CLI, each one file of its own: the server loads main.js by URL, so neither
// changes how the CLI's chunks are cut, and the client loads nothing but Node's built-ins. The client
// is CommonJS, required by the CommonJS bin/hdoc.js: a build the server runs starts no ES module loader.
await build({ ...common, entryPoints: { "build-server": "cli/build-server.ts" }, format: "esm" });
await build({ ...common, entryPoints: { "build-client": "cli/build-client.ts" }, format: "cjs", outExtension: { ".js": ".cjs" } });

// The embedded database (dynalite and what it requires) as one CommonJS file beside the workers:
// loaded from node_modules it is some hundred files resolved, read and compiled on every hdoc dev
// start, about half of the database thread's start-up (cli/core/dev/dynamo-worker.ts loads this one
// when it is there). It exports dynalite and dynalite's store module (db/index.js, the same instance
// its actions use), which the worker wraps to watch the writes. `level` (the on-disk store, with a
// native addon) stays a package of its own, loaded only when `--data-dir` asks for it.
const dynaliteDir = path.dirname(createRequire(import.meta.url).resolve("dynalite"));
/** dynalite requires each action and validation by name (`require('./actions/' + action)`): with the extension, esbuild bundles the folder. */
const dynaliteRequiresByName = {
  name: "dynalite-requires-by-name",
  setup(b) {
    b.onLoad({ filter: /[\\/]dynalite[\\/]index\.js$/ }, (args) => {
      let text = readFileSync(args.path, "utf8");
      for (const folder of ["actions", "validations"]) {
        const call = `require('./${folder}/' + action)`;
        if (!text.includes(call)) throw new Error(`dynalite's index.js no longer has ${call}: update scripts/build-cli.mjs`);
        text = text.replace(call, `require('./${folder}/' + action + '.js')`);
      }
      return { contents: text, loader: "js" };
    });
  },
};
/** `level` loaded when dynalite first constructs one (only with a data folder), not when dynalite is loaded. */
const levelWhenUsed = {
  name: "level-when-used",
  setup(b) {
    b.onResolve({ filter: /^level$/ }, (args) => (args.importer.startsWith(dynaliteDir) ? { path: "level", namespace: "level-when-used" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "level-when-used" }, () => ({
      contents: 'exports.Level = class Level { constructor(...args) { return new (require("level").Level)(...args); } };',
      loader: "js",
    }));
  },
};
await build({
  stdin: { contents: `module.exports = { dynalite: require("dynalite"), db: require(${JSON.stringify(path.join(dynaliteDir, "db", "index.js"))}) };`, resolveDir: path.dirname(dynaliteDir), loader: "js" },
  outfile: "dist/cli/chunks/dynalite.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["level"],
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  plugins: [dynaliteRequiresByName, levelWhenUsed],
});
