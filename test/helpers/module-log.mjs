// Loaded with `node --import` (NODE_OPTIONS) by test/e2e/lazy-modules.test.ts: appends the URL of every
// module the program imports to the file named by HDOC_TEST_MODULE_LOG, so a test can say which
// packages a command loads.
import { register } from "node:module";

register("./module-log-hooks.mjs", import.meta.url, { data: { file: process.env.HDOC_TEST_MODULE_LOG } });
