/**
 * DynamoDB Streams for the embedded database, fed by the writes themselves: the database thread
 * reports every item it stores or deletes (dynamo-thread.ts), and each change that alters an item
 * becomes one INSERT/MODIFY/REMOVE record (Keys, NewImage/OldImage per the table's StreamViewType,
 * eventID, increasing SequenceNumber). Each consumer (a function whose `DynamoDB` event reads the
 * stream) has one ordered queue, like one shard: one batch in flight at a time, up to `BatchSize`
 * records, filtered by its `FilterCriteria`. Nothing runs while nothing is written.
 * Not like AWS (documented): one shard per stream, records kept only until delivered (no 24 h
 * retention, nothing survives a restart), no batching window, a failed batch is logged and not retried.
 */
import { randomUUID } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { matchesPattern } from "./stream-filter.ts";

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

/** One write that changed an item, as the database reports it: no `old` for a new item, no `new` for a deleted one. */
export interface ItemChange {
  table: string;
  old?: Item;
  new?: Item;
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
  invoke(functionId: string, event: { Records: StreamRecord[] }): Promise<unknown>;
  error(line: string): void;
  region: string;
  now?: () => Date;
}

/** JSON with sorted keys and sorted sets, so two equal items compare equal. */
const canonical = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => {
      const x = (v as Record<string, unknown>)[k];
      const sorted = (k === "SS" || k === "NS" || k === "BS") && Array.isArray(x) ? [...x].map(String).sort() : x;
      return `${JSON.stringify(k)}:${canonical(sorted)}`;
    }).join(",")}}`;
  }
  return JSON.stringify(v);
};

/** Whether a write changed the item (DynamoDB Streams records nothing for a write that changes no data). */
export const changesItem = (c: ItemChange): boolean => (c.old === undefined ? c.new !== undefined : c.new === undefined || canonical(c.old) !== canonical(c.new));

interface Queue {
  source: StreamSource;
  consumer: StreamConsumer;
  records: StreamRecord[];
  running?: Promise<void>;
}

export class StreamFeed {
  private readonly bySource = new Map<string, { source: StreamSource; queues: Queue[] }>();
  private sequence = 0n;
  private stopped = false;
  private waiters: Array<() => void> = [];
  /** Records made so far (so a caller can tell whether delivering some led to more). */
  made = 0;

  constructor(sources: StreamSource[], private readonly deps: StreamDeps) {
    for (const source of sources) {
      this.bySource.set(source.tableName, { source, queues: source.consumers.map((consumer) => ({ source, consumer, records: [] })) });
    }
  }

  /** The tables whose writes matter. */
  get tables(): string[] {
    return [...this.bySource.keys()];
  }

  /** Turns the database's changes into records, in the order given, and starts delivering them. */
  push(changes: ItemChange[]): void {
    if (this.stopped) return;
    const now = this.deps.now?.() ?? new Date();
    for (const change of changes) {
      const entry = this.bySource.get(change.table);
      if (!entry || !changesItem(change)) continue;
      const record = this.record(entry.source, change, now);
      this.made++;
      for (const q of entry.queues) {
        if (q.consumer.filters.length && !q.consumer.filters.some((f) => matchesPattern(f, record))) continue;
        q.records.push(record);
        this.kick(q);
      }
    }
  }

  private record(s: StreamSource, c: ItemChange, now: Date): StreamRecord {
    const image = (c.new ?? c.old)!;
    const withNew = s.viewType === "NEW_IMAGE" || s.viewType === "NEW_AND_OLD_IMAGES";
    const withOld = s.viewType === "OLD_IMAGE" || s.viewType === "NEW_AND_OLD_IMAGES";
    // Increasing across restarts too (consumers may keep the last sequence number they applied).
    const floor = BigInt(now.getTime()) * 1_000_000n;
    this.sequence = this.sequence + 1n > floor ? this.sequence + 1n : floor;
    return {
      eventID: randomUUID().replace(/-/g, ""),
      eventName: !c.old ? "INSERT" : !c.new ? "REMOVE" : "MODIFY",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: this.deps.region,
      eventSourceARN: s.streamArn,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(now.getTime() / 1000),
        Keys: Object.fromEntries(s.keyNames.map((k) => [k, image[k]!])),
        ...(withNew && c.new ? { NewImage: c.new } : {}),
        ...(withOld && c.old ? { OldImage: c.old } : {}),
        SequenceNumber: String(this.sequence).padStart(21, "0"),
        SizeBytes: Buffer.byteLength(JSON.stringify(c.new ?? c.old)),
        StreamViewType: s.viewType,
      },
    };
  }

  /** Delivers a queue's records one batch at a time, until it is empty. */
  private kick(q: Queue): void {
    if (q.running) return;
    q.running = (async () => {
      while (q.records.length && !this.stopped) {
        const batch = q.records.splice(0, q.consumer.batchSize);
        const { functionId } = q.consumer, table = q.source.tableName;
        try {
          const result = (await this.deps.invoke(functionId, { Records: batch })) as { batchItemFailures?: unknown[] } | undefined;
          const failed = result?.batchItemFailures?.length;
          if (failed) this.deps.error(`${functionId} reported ${failed} failed stream record(s) from ${table} (not retried locally)`);
        } catch (e) {
          this.deps.error(`${functionId} failed on ${batch.length} stream record(s) from ${table} (not retried): ${(e as Error)?.stack ?? String(e)}`);
        }
      }
    })().finally(() => {
      q.running = undefined;
      if (q.records.length && !this.stopped) this.kick(q);
      else this.settle();
    });
  }

  private busy(): boolean {
    for (const { queues } of this.bySource.values()) if (queues.some((q) => q.running !== undefined || q.records.length > 0)) return true;
    return false;
  }

  private settle(): void {
    if (this.busy()) return;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once every record pushed so far has been delivered. */
  idle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.bySource.values()].flatMap(({ queues }) => queues.map((q) => q.running)));
    for (const w of this.waiters.splice(0)) w();
  }
}
