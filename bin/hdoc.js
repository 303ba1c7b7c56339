#!/usr/bin/env node
// Entry point of the hdoc CLI: silences the AWS SDK's Node-version notice (hdoc's own output stays
// clean of it) and hands over to the compiled program in dist/. A CommonJS file (bin/package.json):
// `hdoc build` run by the build server then never starts Node's ES module loader, which costs every
// ES module entry about 10 ms of start-up; the CLI itself (ES modules) is loaded with import().
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// A closed pipe (`hdoc --help | head -1`) is not a crash: what is still to be written goes nowhere, and the
// run ends with its own exit code (a failed build piped into head still fails, a served one too, where the
// result comes after the output).
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code !== "EPIPE") throw err;
    stream.write = (_chunk, encoding, callback) => {
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") process.nextTick(done);
      return true;
    };
  });
}

async function main() {
  let served = { fallback: "none" };
  let program = "../dist/cli/main.js";
  // `hdoc build` runs from dist/cli/build-main.js (the build command alone, one file: no chunks to load),
  // or in the repository's build server when one of this code is up (dist/cli/build-client.cjs is small:
  // the CLI itself is loaded only when the server cannot take the build)
  if (process.argv.includes("build")) {
    const client = require("../dist/cli/build-client.cjs");
    if (client.commandOf(process.argv) === "build") {
      program = "../dist/cli/build-main.js";
      served = await client.buildViaServer({ argv: process.argv, env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, mainFile: require("node:path").join(__dirname, "../dist/cli/main.js") });
    }
  }
  if ("code" in served) process.exitCode = served.code;
  else {
    // --verbose stack traces point at cli/...ts lines through the shipped source maps (only then: it costs
    // start-up; a build the server ran printed the server's, mapped there)
    if (process.argv.includes("--verbose") || process.argv.includes("-v")) process.setSourceMapsEnabled(true);
    const { cli } = await import(program);
    // a server that did not answer is replaced by the one this build starts
    process.exitCode = await cli(process.argv, served.fallback === "unresponsive" ? { buildServer: { replace: served.pid } } : {});
  }
}
// cli() turns every failure into an exit code: what reaches here is a dist/ that is missing or older than this
// file (a checkout updated without `npm run build`)
main().catch((err) => {
  process.stderr.write(`error: hdoc's built files in dist/ are missing or do not match bin/hdoc.js (${err?.message ?? err})\nhint: run \`npm run build\` in ${require("node:path").join(__dirname, "..")}\n`);
  if (process.argv.includes("--verbose") || process.argv.includes("-v")) process.stderr.write(`${err?.stack ?? ""}\n`);
  process.exitCode = 1;
});
