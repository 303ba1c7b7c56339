/**
 * The wait for the seeded stream records to reach their consumers, which every invocation after
 * "ready" waits on (server.ts). It always ends: when the records are delivered; when the delivery
 * fails (the database thread ended); or after `limitMs`, when a consumer keeps writing to the stream
 * it reads or is stuck. Then requests stop waiting and the console says why and in what state the
 * derived data is.
 */
export interface SeedDeliveryLog {
  warn(line: string): void;
  error(line: string): void;
}

/** How long requests wait for the seeded records at most. */
export const SEED_DELIVERY_LIMIT_MS = 60_000;

export function seedDelivery(delivering: Promise<void>, log: SeedDeliveryLog, limitMs = SEED_DELIVERY_LIMIT_MS): Promise<"delivered" | "failed" | "timed out"> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<"timed out">((resolve) => {
    timer = setTimeout(resolve, limitMs, "timed out");
    timer.unref();
  });
  return Promise.race([delivering.then(() => "delivered" as const), limit])
    .catch((e: unknown) => {
      log.error(`error: the seeded stream records could not all be delivered: ${(e as Error)?.message ?? String(e)}; requests no longer wait for them, and data derived from the seed (scores, totals) may be missing`);
      return "failed" as const;
    })
    .then((outcome) => {
      clearTimeout(timer);
      if (outcome === "timed out") log.warn(`the seeded stream records were not all delivered within ${limitMs / 1000} s (a stream consumer that writes to the stream it reads, or one that is stuck?); requests no longer wait for them`);
      return outcome;
    });
}
