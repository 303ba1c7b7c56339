#!/usr/bin/env node
// Entry point of the hdoc CLI: silences the AWS SDK's Node-version notice (hdoc's own output stays
// clean of it) and hands over to the compiled program in dist/.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// A closed pipe (`hdoc --help | head -1`) ends the run quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
// --verbose stack traces point at cli/...ts lines through the shipped source maps (only then: it costs start-up)
if (process.argv.includes("--verbose") || process.argv.includes("-v")) process.setSourceMapsEnabled(true);
const { cli } = await import("../dist/cli/main.js");
process.exitCode = await cli(process.argv);
