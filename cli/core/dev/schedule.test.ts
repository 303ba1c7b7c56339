import { describe, expect, it } from "vitest";
import { rateMs, scheduledEvent, startSchedules } from "./schedule.ts";

describe("rateMs", () => {
  it.each<[string, number | undefined]>([
    ["rate(1 minute)", 60_000], ["rate(5 minutes)", 300_000], ["rate(6 hours)", 21_600_000], ["rate(1 day)", 86_400_000], [" rate( 2 days ) ", 172_800_000],
    ["rate(0 minutes)", undefined], ["rate(1 week)", undefined], ["cron(0 12 * * ? *)", undefined], ["rate(1.5 hours)", undefined],
  ])("%j -> %j", (e, ms) => expect(rateMs(e)).toBe(ms));
});

describe("scheduled runs", () => {
  it("sends EventBridge's Scheduled Event shape", () => {
    const ev = scheduledEvent({ functionId: "Api/Parser", eventId: "Schedule", expression: "rate(1 day)" }, { region: "us-east-1", accountId: "123456789012", now: new Date("2026-03-01T12:00:00.123Z") });
    expect(ev).toEqual({ version: "0", id: expect.any(String), "detail-type": "Scheduled Event", source: "aws.events", account: "123456789012", time: "2026-03-01T12:00:00Z", region: "us-east-1", resources: ["arn:aws:events:us-east-1:123456789012:rule/Api-Parser-Schedule"], detail: {} });
  });

  it("runs every job once, never the same function twice at once, and reports a failure without throwing", async () => {
    const calls: string[] = [];
    const lines: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = startSchedules(
      [{ functionId: "A", eventId: "S", expression: "rate(1 day)", everyMs: 86_400_000 }, { functionId: "B", eventId: "S", expression: "cron(0 * * * ? *)" }],
      { region: "us-east-1", accountId: "1", now: () => new Date(), log: (l) => lines.push(l), error: (l) => lines.push(`E ${l}`), invoke: async (id) => { calls.push(id); if (id === "A") await gate; if (id === "B") throw new Error("boom"); return { ok: 1 }; } },
    );
    const first = s.runAll();
    await new Promise((r) => setTimeout(r, 10));
    await Promise.race([s.runAll(), new Promise((r) => setTimeout(r, 20))]); // A is still running: skipped
    release();
    await first;
    s.stop();
    expect(calls.filter((c) => c === "A")).toHaveLength(1);
    expect(lines).toEqual(expect.arrayContaining(["A: previous scheduled run still going; skipped", 'A (rate(1 day)) ran: {"ok":1}', expect.stringMatching(/^E B \(cron\(0 \* \* \* \? \*\)\) failed: Error: boom/)]));
  });
});
