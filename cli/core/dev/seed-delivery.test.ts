import { describe, expect, it } from "vitest";
import { seedDelivery, SEED_DELIVERY_LIMIT_MS } from "./seed-delivery.ts";

// found in review: a delivery that never ended left every request after "ready" waiting, without a word
describe("the wait for the seeded stream records always ends, and says why when they were not delivered", () => {
  const recorder = () => {
    const lines: string[] = [];
    return { lines, log: { warn: (l: string) => lines.push(`warn: ${l}`), error: (l: string) => lines.push(l) } };
  };

  it("delivered: no line", async () => {
    const r = recorder();
    expect(await seedDelivery(Promise.resolve(), r.log, 1000)).toBe("delivered");
    expect(r.lines).toEqual([]);
  });

  it("a delivery that never ends (a consumer writing to the stream it reads): requests stop waiting after the limit", async () => {
    const r = recorder();
    expect(await seedDelivery(new Promise<void>(() => undefined), r.log, 30)).toBe("timed out");
    expect(r.lines).toEqual(["warn: the seeded stream records were not all delivered within 0.03 s (a stream consumer that writes to the stream it reads, or one that is stuck?); requests no longer wait for them"]);
    expect(SEED_DELIVERY_LIMIT_MS).toBe(60_000);
  });

  it("a failed delivery (the database thread ended): one error line, and the wait ends", async () => {
    const r = recorder();
    expect(await seedDelivery(Promise.reject(new Error("the embedded DynamoDB thread ended (exit code 1)")), r.log, 1000)).toBe("failed");
    expect(r.lines).toEqual(["error: the seeded stream records could not all be delivered: the embedded DynamoDB thread ended (exit code 1); requests no longer wait for them, and data derived from the seed (scores, totals) may be missing"]);
  });
});
