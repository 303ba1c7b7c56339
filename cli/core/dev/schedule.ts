/**
 * EventBridge schedules in `hdoc dev --schedule`: every function with a `Schedule` (or
 * `ScheduleV2`) event is invoked with a "Scheduled Event" as EventBridge sends it, once right after
 * start and then every `rate(...)`; a `cron(...)` expression runs at start only (said on start).
 */
import { randomUUID } from "node:crypto";
import type { FunctionInfo, Json } from "../cfn/templates.ts";
import { isObj } from "../cfn/json.ts";
import type { StackResolver } from "../cfn/stack-refs.ts";
import type { StackNode } from "../cfn/templates.ts";

export interface ScheduledJob {
  functionId: string;
  eventId: string;
  expression: string;
  /** Milliseconds between runs; undefined for cron (start only). */
  everyMs?: number;
}

const UNITS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** rate(5 minutes) -> 300000; undefined for anything else. */
export function rateMs(expression: string): number | undefined {
  const m = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > 0 ? n * UNITS[m[2]!]! : undefined;
}

export function scheduledJobs(functions: FunctionInfo[], stackOf: (fn: FunctionInfo) => StackNode, resolver: StackResolver, warn: (line: string) => void): ScheduledJob[] {
  const jobs: ScheduledJob[] = [];
  for (const fn of functions) {
    const events = isObj(fn.properties.Events) ? fn.properties.Events : {};
    for (const [eventId, ev] of Object.entries(events)) {
      if (!isObj(ev) || (ev.Type !== "Schedule" && ev.Type !== "ScheduleV2")) continue;
      const p: { [k: string]: Json } = isObj(ev.Properties) ? ev.Properties : {};
      const expr = resolver.text(stackOf(fn), p.Schedule ?? p.ScheduleExpression);
      if (expr.kind !== "value") {
        warn(`${fn.id} ${eventId}: schedule expression has no local value (${expr.why}); not scheduled`);
        continue;
      }
      const everyMs = rateMs(expr.value);
      if (everyMs === undefined) warn(`${fn.id} ${eventId}: ${expr.value} runs once at start (only rate(...) repeats locally)`);
      jobs.push({ functionId: fn.id, eventId, expression: expr.value, everyMs });
    }
  }
  return jobs;
}

/** The event EventBridge sends a scheduled target. */
export function scheduledEvent(job: ScheduledJob, o: { region: string; accountId: string; now: Date }) {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: o.accountId,
    time: o.now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: o.region,
    resources: [`arn:aws:events:${o.region}:${o.accountId}:rule/${job.functionId.replace(/\//g, "-")}-${job.eventId}`],
    detail: {},
  };
}

export interface Scheduler {
  /** Runs every job once now (in order) and resolves when they have finished. */
  runAll(): Promise<void>;
  stop(): void;
}

export function startSchedules(jobs: ScheduledJob[], o: { region: string; accountId: string; now: () => Date; invoke: (functionId: string, event: unknown) => Promise<unknown>; log: (line: string) => void; error: (line: string) => void }): Scheduler {
  const running = new Set<string>();
  const run = async (job: ScheduledJob) => {
    if (running.has(job.functionId)) return o.log(`${job.functionId}: previous scheduled run still going; skipped`);
    running.add(job.functionId);
    try {
      const result = await o.invoke(job.functionId, scheduledEvent(job, { region: o.region, accountId: o.accountId, now: o.now() }));
      o.log(`${job.functionId} (${job.expression}) ran: ${JSON.stringify(result)?.slice(0, 300) ?? "no result"}`);
    } catch (e) {
      o.error(`${job.functionId} (${job.expression}) failed: ${(e as Error)?.stack ?? String(e)}`);
    } finally {
      running.delete(job.functionId);
    }
  };
  const timers = jobs.filter((j) => j.everyMs).map((j) => setInterval(() => void run(j), j.everyMs).unref());
  return {
    runAll: async () => {
      for (const j of jobs) await run(j);
    },
    stop: () => timers.forEach(clearInterval),
  };
}
