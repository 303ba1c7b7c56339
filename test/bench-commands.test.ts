// bench/commands.bench.mjs runs the built hdoc against its loopback stub: every case must exit 0, or
// `npm run bench` stops there (it did: a deploy checks the stage's GitHub connection first, SSM then
// CodeConnections, and the stub answered only CloudFormation, so the deploy exited 4).
import { describe, expect, it } from "vitest";

describe("the command start-up bench", () => {
  it("runs every case to exit 0 against its stub and reports each", async () => {
    const tables: Array<{ title: string; rows: Array<Record<string, string>> }> = [];
    process.env.BENCH_RUNS = "1"; // read when the module loads
    try {
      // @ts-expect-error -- a plain ES module of the benchmarks, without types
      const { default: commandsBench } = (await import("../bench/commands.bench.mjs")) as { default: (report: (title: string, rows: Array<Record<string, string>>) => void) => Promise<void> };
      await commandsBench((title: string, rows: Array<Record<string, string>>) => tables.push({ title, rows }));
    } finally {
      delete process.env.BENCH_RUNS;
    }
    // What can fail here is the run itself: the bench rejects when any case exits other than 0 (the deploy
    // exited 4 against the old stub). Reaching its report means every case ran to exit 0.
    expect(tables.map((t) => t.rows.map((r) => r.command))).toEqual([["node -e ''", "hdoc mfa status", "hdoc pipeline deploy (no changes, loopback)"]]);
  }, 60_000);
});
