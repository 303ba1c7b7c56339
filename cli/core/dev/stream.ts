/**
 * A simulated DynamoDB stream for the embedded database, by polling and comparing: every
 * `intervalMs` each table with a stream is scanned and compared with the previous snapshot; the
 * differences become INSERT/MODIFY/REMOVE records (Keys, NewImage/OldImage per the table's
 * StreamViewType, eventID, increasing sequence numbers) delivered in batches to every function whose
 * `DynamoDB` event reads that stream. Writes from anywhere (handlers, the AWS CLI, a test) are seen.
 * Limits (documented): several changes to one item within an interval arrive as one record; a
 * consumer that throws is logged and its batch is not retried.
 */
import { randomUUID } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, AttributeValue>;
export type ViewType = "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES";

export interface StreamConsumer {
  functionId: string;
  batchSize: number;
  /** FilterCriteria.Filters[].Pattern, parsed; a record is delivered when any matches (none: all). */
  filters: unknown[];
}

export interface StreamSource {
  tableName: string;
  keyNames: string[];
  viewType: ViewType;
  streamArn: string;
  consumers: StreamConsumer[];
}

export interface StreamRecord {
  eventID: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  eventVersion: "1.1";
  eventSource: "aws:dynamodb";
  awsRegion: string;
  eventSourceARN: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Item;
    NewImage?: Item;
    OldImage?: Item;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: ViewType;
  };
}

export interface StreamDeps {
  scan(tableName: string): Promise<Item[]>;
  invoke(functionId: string, event: { Records: StreamRecord[] }): Promise<unknown>;
  error(line: string): void;
  region: string;
  intervalMs?: number;
  now?: () => Date;
}

/** JSON with sorted keys, so two equal items compare equal. */
const stable = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(stable).join(",")}]` : v && typeof v === "object"
    ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(",")}}`
    : JSON.stringify(v);

/** Differences between two snapshots of a table, as stream records (without ids and sequence numbers). */
export function diffSnapshots(before: Map<string, Item>, after: Map<string, Item>): Array<{ eventName: StreamRecord["eventName"]; old?: Item; new?: Item }> {
  const out: Array<{ eventName: StreamRecord["eventName"]; old?: Item; new?: Item }> = [];
  for (const [k, item] of after) {
    const old = before.get(k);
    if (!old) out.push({ eventName: "INSERT", new: item });
    else if (stable(old) !== stable(item)) out.push({ eventName: "MODIFY", old, new: item });
  }
  for (const [k, old] of before) if (!after.has(k)) out.push({ eventName: "REMOVE", old });
  return out;
}

/** Lambda event filtering, the common subset: exact values, prefix, exists, anything-but, numeric ranges. */
export function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((p) => matchRule(p, value));
  if (pattern && typeof pattern === "object") {
    return Object.entries(pattern).every(([k, p]) => {
      const v = value && typeof value === "object" ? (value as Record<string, unknown>)[k] : undefined;
      if (Array.isArray(p) && p.some((r) => r && typeof r === "object" && "exists" in r)) return p.some((r) => matchRule(r, v));
      return v !== undefined && matchesPattern(p, v);
    });
  }
  return false;
}

function matchRule(rule: unknown, v: unknown): boolean {
  if (rule === null || typeof rule !== "object") return v === rule;
  const r = rule as Record<string, unknown>;
  if ("exists" in r) return r.exists ? v !== undefined : v === undefined;
  if (typeof r.prefix === "string") return typeof v === "string" && v.startsWith(r.prefix);
  if ("anything-but" in r) return !(Array.isArray(r["anything-but"]) ? r["anything-but"] : [r["anything-but"]]).includes(v);
  if (Array.isArray(r.numeric)) {
    const n = Number(v);
    if (Number.isNaN(n)) return false;
    const ops = r.numeric as Array<string | number>;
    for (let i = 0; i + 1 < ops.length; i += 2) {
      const x = Number(ops[i + 1]);
      const ok = { "=": n === x, ">": n > x, ">=": n >= x, "<": n < x, "<=": n <= x }[String(ops[i])];
      if (!ok) return false;
    }
    return true;
  }
  return false;
}

export class StreamPoller {
  private readonly snapshots = new Map<string, Map<string, Item>>();
  private sequence = 0n;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly sources: StreamSource[], private readonly deps: StreamDeps) {}

  private async snapshot(s: StreamSource): Promise<Map<string, Item>> {
    const items = await this.deps.scan(s.tableName);
    return new Map(items.map((i) => [stable(s.keyNames.map((k) => i[k])), i]));
  }

  /** Takes the first snapshot: what is already in the tables produces no records. */
  async prime(): Promise<void> {
    for (const s of this.sources) this.snapshots.set(s.tableName, await this.snapshot(s));
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.poll().catch((e: unknown) => this.deps.error(`stream poll failed: ${(e as Error).message}`)).finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.deps.intervalMs ?? 200);
      });
    };
    this.timer = setTimeout(tick, this.deps.intervalMs ?? 200);
  }

  /** Compares every stream table with its last snapshot and delivers the changes. */
  async poll(): Promise<void> {
    for (const s of this.sources) {
      const after = await this.snapshot(s);
      const before = this.snapshots.get(s.tableName) ?? new Map<string, Item>();
      this.snapshots.set(s.tableName, after);
      const changes = diffSnapshots(before, after);
      if (!changes.length) continue;
      const now = this.deps.now?.() ?? new Date();
      const records = changes.map((c): StreamRecord => {
        const image = (c.new ?? c.old)!;
        const keys = Object.fromEntries(s.keyNames.map((k) => [k, image[k]!]));
        const withNew = s.viewType === "NEW_IMAGE" || s.viewType === "NEW_AND_OLD_IMAGES";
        const withOld = s.viewType === "OLD_IMAGE" || s.viewType === "NEW_AND_OLD_IMAGES";
        // Increasing across restarts too (consumers may keep the last sequence number they applied).
        const floor = BigInt(now.getTime()) * 1_000_000n;
        this.sequence = this.sequence + 1n > floor ? this.sequence + 1n : floor;
        return {
          eventID: randomUUID().replace(/-/g, ""),
          eventName: c.eventName,
          eventVersion: "1.1",
          eventSource: "aws:dynamodb",
          awsRegion: this.deps.region,
          eventSourceARN: s.streamArn,
          dynamodb: {
            ApproximateCreationDateTime: Math.floor(now.getTime() / 1000),
            Keys: keys,
            ...(withNew && c.new ? { NewImage: c.new } : {}),
            ...(withOld && c.old ? { OldImage: c.old } : {}),
            SequenceNumber: String(this.sequence).padStart(21, "0"),
            SizeBytes: Buffer.byteLength(JSON.stringify(c.new ?? c.old)),
            StreamViewType: s.viewType,
          },
        };
      });
      for (const consumer of s.consumers) {
        const mine = consumer.filters.length ? records.filter((r) => consumer.filters.some((f) => matchesPattern(f, r))) : records;
        for (let i = 0; i < mine.length; i += consumer.batchSize) {
          const batch = mine.slice(i, i + consumer.batchSize);
          try {
            const result = (await this.deps.invoke(consumer.functionId, { Records: batch })) as { batchItemFailures?: unknown[] } | undefined;
            const failed = result?.batchItemFailures?.length;
            if (failed) this.deps.error(`${consumer.functionId} reported ${failed} failed stream record(s) from ${s.tableName} (not retried locally)`);
          } catch (e) {
            this.deps.error(`${consumer.functionId} failed on ${batch.length} stream record(s) from ${s.tableName} (not retried): ${(e as Error)?.stack ?? String(e)}`);
          }
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
