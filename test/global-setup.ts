/** Runs once before the suite: required tools present, CLI built. */
import { existsSync } from "node:fs";
import { execaSync } from "execa";
import { missingTools } from "./helpers/tools.ts";

export default function setup(): void {
  const missing = missingTools();
  if (missing.length) {
    throw new Error(`the test suite needs tools that are not installed:\n  ${missing.join("\n  ")}`);
  }
  if (!existsSync("dist/cli/main.js") || process.env.HDOC_TEST_REBUILD !== "0") {
    execaSync("node", ["scripts/build-cli.mjs"], { stdio: "inherit" });
  }
}
