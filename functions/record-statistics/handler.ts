/**
 * POST /statistics, a backend route (AWS_IAM; only the Statistics Parser's role may invoke it):
 * `{ "statistics": [ { github_username, stat_id, value } ] }`, 1 to 25 entries, each written to the
 * Statistics table unless its value is unchanged. Answers 200 `{ written, unchanged }`.
 */
import { containerHandler, httpHandler, respond, type ApiHandler } from "@hdoc/shared/http";
import { iamCaller } from "@hdoc/shared/caller";
import { documentClient } from "@hdoc/shared/dynamo";
import { requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { githubUsername, ValidationError } from "@hdoc/shared/validation";
import { dynamoStatisticsStore, type Statistic, type StatisticsStore } from "./statistics-store.ts";

export const MAX_BATCH = 25;
const STAT_ID = /^[a-z][a-z0-9_]{0,63}$/;

export interface Deps {
  statistics: StatisticsStore;
  log: Logger;
  now?: () => Date;
}

const invalid = (field: string, why: string) => new ValidationError(field, "INVALID_FIELD", `${field} ${why}`);

/** The batch, validated: every entry well-formed, no key twice. */
export function statisticsBatch(body: Record<string, unknown>): Statistic[] {
  const list = body.statistics;
  if (list === undefined || list === null) throw new ValidationError("statistics", "MISSING_FIELD", "statistics is required");
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_BATCH) throw invalid("statistics", `must be a list of 1 to ${MAX_BATCH} entries`);
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const at = `statistics[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw invalid(at, "must be an object");
    const e = entry as Record<string, unknown>;
    const user = githubUsername(e.github_username, `${at}.github_username`);
    if (typeof e.stat_id !== "string" || !STAT_ID.test(e.stat_id)) throw invalid(`${at}.stat_id`, "must be 1-64 lower-case letters, digits or underscores, starting with a letter");
    if (typeof e.value !== "number" || !Number.isSafeInteger(e.value)) throw invalid(`${at}.value`, "must be a whole number");
    const key = `${user}/${e.stat_id}`;
    if (seen.has(key)) throw invalid(at, `repeats ${key}`);
    seen.add(key);
    return { github_username: user, stat_id: e.stat_id, value: e.value };
  });
}

export function createHandler(deps: Deps): ApiHandler {
  const now = deps.now ?? (() => new Date());
  return httpHandler("record-statistics", deps.log, async (req) => {
    const caller = iamCaller(req);
    const batch = statisticsBatch(req.jsonBody());
    const at = now();
    const outcomes = await Promise.all(batch.map((s) => deps.statistics.put(s, at)));
    const written = outcomes.filter((o) => o === "written").length;
    deps.log("info", "statistics recorded", { requestId: req.requestId, caller, written, unchanged: batch.length - written });
    return respond(200, { written, unchanged: batch.length - written }, req.requestId);
  });
}

export const handler = containerHandler("record-statistics", jsonLogger, () =>
  createHandler({ statistics: dynamoStatisticsStore(documentClient(), requireEnv("STATISTICS_TABLE")), log: jsonLogger }),
);
