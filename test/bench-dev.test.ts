// bench/dev.bench.mjs's launch() when hdoc dev ends before its first 200: it reports hdoc dev's stderr
// (it used to wait for an "exit" event that had already fired, and the bench ended with exit 13 and no output).
import { afterAll, describe, expect, it } from "vitest";
import { tempTree } from "./helpers/temp-tree.ts";
// @ts-expect-error -- a plain ES module of the benchmarks, without types
import { launch } from "../bench/dev.bench.mjs";

const tree = tempTree("hdoc-bench-dev-");
afterAll(() => tree.cleanup());

describe("the dev bench's launch", () => {
  it("rejects with hdoc dev's stderr when it exits before answering", async () => {
    tree.put("bin/hdoc.js", 'process.stderr.write("error: port 3000 is taken\\nhint: pass --port\\n"); process.exit(7);\n');
    await expect(launch(tree.root)).rejects.toThrow(/exit 7\) before GET \/users\/octocat answered 200; its stderr:\nerror: port 3000 is taken\nhint: pass --port/);
  }, 20_000);

  it("rejects with the signal when hdoc dev is killed before answering", async () => {
    tree.put("bin/hdoc.js", 'process.stderr.write("starting\\n"); process.kill(process.pid, "SIGKILL");\n');
    await expect(launch(tree.root)).rejects.toThrow(/\(SIGKILL\) before GET \/users\/octocat answered 200; its stderr:\nstarting/);
  }, 20_000);
});
