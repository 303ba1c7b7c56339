/**
 * The tag counter's bookkeeping in the Tags table (shapes in @hdoc/shared/tags). The local database
 * (dynalite) has no transactions, so one article change is made safe in steps, each of which can be
 * repeated:
 *  1. the article item records the change as `pending` (write-ahead);
 *  2. each tag item gets its new count together with a token naming the changes in `tokens`, if it
 *     is still the version that was read (so no change is counted twice): normally one token for the
 *     whole batch, when a crashed change is completed one token per article change;
 *  3. the article item takes the change as its counted state; the tokens are dropped afterwards (with
 *     the tag's next count update, or by `release`).
 * A crash between steps leaves a `pending` change that the next record of that article (its retry
 * first of all) completes before anything else. Article items are written with BatchWriteItem, 25 at
 * a time and unconditionally: Lambda never works on two batches holding the same item at once (an
 * item's records stay in one shard, in order, whatever the ParallelizationFactor).
 */
import { BatchGetCommand, BatchWriteCommand, NumberValue, type BatchWriteCommandInput, type BatchWriteCommandOutput, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "@hdoc/shared/dynamo";
import { articleKey, BOARD, rankOf, tagKey } from "@hdoc/shared/tags";

/** A change being applied to the counts. */
export interface Intent {
  /** Names this article change. */
  token: string;
  /** Names every change of the batch it was first applied in. */
  chunk: string;
  seq: string;
  tags: string[];
  add: string[];
  remove: string[];
  removed: boolean;
}

/** What the counter has counted for one article. */
export interface ArticleState {
  seq: string;
  tags: string[];
  pending?: Intent;
}

export interface TagState {
  count: bigint;
  /** Raised by every count update: the condition that nothing changed since the read. */
  version: bigint;
  tokens: Set<string>;
  /** Whether the item has its `tokens` map (it is created with one). */
  hasTokenMap: boolean;
}

/** The article state to store: the counted tags and last record, with the change in progress if any. */
export interface ArticleWrite {
  articleId: string;
  state: ArticleState;
  /** A removed article: kept as a tombstone for TOMBSTONE_SECONDS so that its late records are still recognised. */
  removed: boolean;
}

export interface TagStore {
  articles(ids: string[]): Promise<Map<string, ArticleState>>;
  /** Stores each article's state; returns the articles whose write failed, with the error. */
  save(writes: ArticleWrite[]): Promise<Map<string, unknown>>;
  tags(names: string[]): Promise<Map<string, TagState>>;
  /** Sets the count to `next`, adds `tokens` and drops `done`, if the item is still the version `prev` (or, without `prev`, does not exist). */
  count(tag: string, prev: TagState | undefined, next: bigint, tokens: string[], done?: string[]): Promise<"ok" | "conflict">;
  release(tag: string, tokens: string[]): Promise<void>;
}

/** How long the record of a removed article is kept (longer than the stream's 24 h retention). */
export const TOMBSTONE_SECONDS = 7 * 24 * 3600;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Set);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const big = (v: unknown): bigint => (v instanceof NumberValue ? BigInt(v.value) : typeof v === "number" || typeof v === "string" ? BigInt(v) : 0n);

function intentOf(v: unknown): Intent | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const p = v as Record<string, unknown>;
  if (typeof p.token !== "string" || typeof p.seq !== "string") return undefined;
  return { token: p.token, chunk: typeof p.chunk === "string" ? p.chunk : p.token, seq: p.seq, tags: strings(p.tags), add: strings(p.add), remove: strings(p.remove), removed: p.removed === true };
}

/** BatchGetItem (consistent) of any number of keys, unprocessed keys retried. */
async function getAll(db: DynamoDBDocumentClient, table: string, pks: string[], projection: string, names: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < pks.length; i += 100) {
    let keys: Array<Record<string, unknown>> | undefined = pks.slice(i, i + 100).map((pk) => ({ pk }));
    for (let attempt = 0; keys?.length; attempt++) {
      if (attempt > 8) throw new Error(`BatchGetItem left ${keys.length} key(s) unprocessed`);
      if (attempt) await backoff(attempt);
      const res: { Responses?: Record<string, Array<Record<string, unknown>>>; UnprocessedKeys?: Record<string, { Keys?: Array<Record<string, unknown>> }> } = await db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: projection, ExpressionAttributeNames: names } } }),
      );
      out.push(...(res.Responses?.[table] ?? []));
      keys = res.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return out;
}

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, 20 * 2 ** attempt));

const conditional = async (send: () => Promise<unknown>): Promise<"ok" | "conflict"> => {
  try {
    await send();
    return "ok";
  } catch (e) {
    if (isConditionFailure(e)) return "conflict";
    throw e;
  }
};

export function dynamoTagStore(db: DynamoDBDocumentClient, table: string, now: () => Date = () => new Date()): TagStore {
  const expiry = (removed: boolean) => (removed ? Math.floor(now().getTime() / 1000) + TOMBSTONE_SECONDS : undefined);
  return {
    async articles(ids) {
      const items = await getAll(db, table, ids.map(articleKey), "pk, #seq, tags, pending", { "#seq": "seq" });
      const out = new Map<string, ArticleState>();
      for (const item of items) {
        if (typeof item.pk !== "string" || typeof item.seq !== "string") continue;
        const pending = intentOf(item.pending);
        out.set(item.pk.slice("article#".length), { seq: item.seq, tags: strings(item.tags), ...(pending ? { pending } : {}) });
      }
      return out;
    },

    async save(writes) {
      const failed = new Map<string, unknown>();
      const item = (w: ArticleWrite) => {
        const expires = expiry(w.removed);
        return { pk: articleKey(w.articleId), seq: w.state.seq, tags: w.state.tags, ...(w.state.pending ? { pending: w.state.pending } : {}), ...(expires ? { expires_at: expires } : {}) };
      };
      for (let i = 0; i < writes.length; i += 25) {
        const chunk = writes.slice(i, i + 25);
        try {
          let requests: NonNullable<BatchWriteCommandInput["RequestItems"]>[string] | undefined = chunk.map((w) => ({ PutRequest: { Item: item(w) } }));
          for (let attempt = 0; requests?.length; attempt++) {
            if (attempt > 8) throw new Error(`BatchWriteItem left ${requests.length} item(s) unprocessed`);
            if (attempt) await backoff(attempt);
            const res: BatchWriteCommandOutput = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
            requests = res.UnprocessedItems?.[table];
          }
        } catch (error) {
          for (const w of chunk) failed.set(w.articleId, error);
        }
      }
      return failed;
    },

    async tags(names) {
      const items = await getAll(db, table, names.map(tagKey), "pk, #c, #v, tokens", { "#c": "count", "#v": "version" });
      const out = new Map<string, TagState>();
      for (const item of items) {
        if (typeof item.pk !== "string") continue;
        out.set(item.pk.slice("tag#".length), { count: big(item.count), version: big(item.version), tokens: new Set(isMap(item.tokens) ? Object.keys(item.tokens) : []), hasTokenMap: isMap(item.tokens) });
      }
      return out;
    },

    count(tag, prev, next, tokens, done = []) {
      const onBoard = next > 0n;
      // tokens is a map (token -> 1), so adding some and removing others are separate paths of one update
      const whole = !prev?.hasTokenMap;
      const drop = whole ? [] : done.filter((t) => !tokens.includes(t));
      const set = ["#c = :n", "#v = :v", "tag = :tag", ...(onBoard ? ["board = :board", "#r = :rank"] : []), ...(whole ? ["tokens = :tokens"] : tokens.map((_, i) => `tokens.#a${i} = :one`))];
      const remove = [...(onBoard ? [] : ["board", "#r"]), ...drop.map((_, i) => `tokens.#d${i}`)];
      return conditional(() =>
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: tagKey(tag) },
            UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
            ConditionExpression: !prev ? "attribute_not_exists(pk)" : prev.version > 0n ? "#v = :prev" : "attribute_exists(pk) AND attribute_not_exists(#v)",
            ExpressionAttributeNames: {
              "#c": "count",
              "#v": "version",
              "#r": "rank",
              ...(whole ? {} : Object.fromEntries(tokens.map((t, i) => [`#a${i}`, t]))),
              ...Object.fromEntries(drop.map((t, i) => [`#d${i}`, t])),
            },
            ExpressionAttributeValues: {
              ":n": NumberValue.from(next.toString()),
              ":v": NumberValue.from(((prev?.version ?? 0n) + 1n).toString()),
              ":tag": tag,
              ...(whole ? { ":tokens": Object.fromEntries([...(prev?.tokens ?? [])].filter((t) => !done.includes(t)).concat(tokens).map((t) => [t, 1])) } : { ":one": 1 }),
              ...(onBoard ? { ":board": BOARD, ":rank": rankOf(tag, next) } : {}),
              ...(prev && prev.version > 0n ? { ":prev": NumberValue.from(prev.version.toString()) } : {}),
            },
          }),
        ),
      );
    },

    async release(tag, tokens) {
      if (!tokens.length) return;
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: tagKey(tag) },
          UpdateExpression: `REMOVE ${tokens.map((_, i) => `tokens.#d${i}`).join(", ")}`,
          ConditionExpression: "attribute_exists(tokens)",
          ExpressionAttributeNames: Object.fromEntries(tokens.map((t, i) => [`#d${i}`, t])),
        }),
      ).catch((e: unknown) => {
        if (!isConditionFailure(e)) throw e;
      });
    },
  };
}
