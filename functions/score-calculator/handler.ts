/**
 * Score calculator: consumes the Statistics table's stream (NEW_AND_OLD_IMAGES) and keeps each
 * user's score equal to the sum of their statistics' latest values.
 *
 * - Idempotent: each statistic remembers the stream sequence number it was last set from; a record
 *   whose sequence number is not newer (a duplicate, a retried batch, an out-of-order delivery) is
 *   skipped, and every write is conditional on what was read.
 * - Failures are reported per record in `batchItemFailures` (ReportBatchItemFailures), never
 *   swallowed; Lambda retries from the earliest one and the skipped duplicates cost nothing.
 * - A malformed record (no keys, a non-integer value) or one for an unknown user is logged and
 *   skipped: retrying cannot fix it and it must not block the shard.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { documentClient } from "@hdoc/shared/dynamo";
import { once, requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { dynamoScoreStore, type ScoreStore } from "./score-store.ts";

export interface Deps {
  store: ScoreStore;
  log: Logger;
  /** Attempts of the read-then-conditional-write cycle when another writer got in between. */
  attempts?: number;
}

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export interface Change {
  username: string;
  statId: string;
  seq: string;
  value: bigint;
}

/** The change a record carries, or a reason it cannot be applied. */
export function changeOf(record: DynamoDBRecord): Change | { skip: string } {
  const d = record.dynamodb;
  const username = d?.Keys?.github_username?.S;
  const statId = d?.Keys?.stat_id?.S;
  const seq = d?.SequenceNumber;
  if (!username || !statId || !seq || !/^[0-9]{1,64}$/.test(seq)) return { skip: "record has no github_username/stat_id keys or sequence number" };
  if (record.eventName === "REMOVE") return { username: username.toLowerCase(), statId, seq, value: 0n };
  const n = d?.NewImage?.value?.N;
  if (n === undefined) return { username: username.toLowerCase(), statId, seq, value: 0n };
  if (!/^-?[0-9]{1,38}$/.test(n)) return { skip: `value ${JSON.stringify(n)} is not a whole number` };
  return { username: username.toLowerCase(), statId, seq, value: BigInt(n) };
}

export function createHandler(deps: Deps): StreamHandler {
  const attempts = deps.attempts ?? 5;

  const applyChange = async (c: Change): Promise<string> => {
    for (let i = 0; i < attempts; i++) {
      const prev = await deps.store.applied(c.username, c.statId);
      if (prev === null) return "unknown-user";
      if (prev && BigInt(prev.seq) >= BigInt(c.seq)) return "stale";
      if ((await deps.store.apply(c.username, c.statId, prev, c)) === "applied") return "applied";
    }
    throw new Error(`statistic ${c.statId} of ${c.username} kept changing under ${attempts} attempts`);
  };

  return async (event) => {
    const batchItemFailures: DynamoDBBatchResponse["batchItemFailures"] = [];
    for (const record of event?.Records ?? []) {
      const change = changeOf(record);
      const seq = record.dynamodb?.SequenceNumber ?? "";
      if ("skip" in change) {
        deps.log("error", "skipped a malformed statistics record", { eventID: record.eventID, sequenceNumber: seq, reason: change.skip });
        continue;
      }
      try {
        const outcome = await applyChange(change);
        if (outcome === "unknown-user") deps.log("warn", "statistics record for an unknown user skipped", { ...change, value: change.value.toString() });
      } catch (error) {
        deps.log("error", "statistics record failed", { eventID: record.eventID, sequenceNumber: seq, error });
        batchItemFailures.push({ itemIdentifier: seq });
      }
    }
    return { batchItemFailures };
  };
}

const fromEnv = once(() => createHandler({ store: dynamoScoreStore(documentClient(), requireEnv("USERS_TABLE")), log: jsonLogger }));
export const handler: StreamHandler = (event) => fromEnv()(event);
