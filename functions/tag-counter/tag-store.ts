/**
 * The tag counter's bookkeeping in the Tags table (shapes in @hdoc/shared/tags). DynamoDB has no
 * transaction the local database offers, so one article change is made safe in three conditional
 * steps, each of which can be repeated:
 *  1. `begin`: the article item records the change as `pending` (write-ahead), if it still holds
 *     what was read;
 *  2. `count`: each tag item gets its new count together with the change's token in `tokens`, if it
 *     still has the count that was read and none of those tokens (so no change is counted twice);
 *  3. `finish` makes the pending change the article's counted state; `release` then drops the
 *     tokens from the tag items.
 * A crash between steps leaves a `pending` change that the next record of that article (its retry
 * first of all) completes before anything else.
 */
import { BatchGetCommand, NumberValue, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "@hdoc/shared/dynamo";
import { articleKey, BOARD, rankOf, tagKey } from "@hdoc/shared/tags";

/** A change being applied to the counts. */
export interface Intent {
  token: string;
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
  tokens: Set<string>;
}

export interface TagStore {
  articles(ids: string[]): Promise<Map<string, ArticleState>>;
  /** Writes `next` (with its pending intent, if any) over `base`; "conflict" when the item is no longer `base`. */
  begin(articleId: string, base: ArticleState | undefined, next: { seq: string; tags: string[]; pending?: Intent; removed: boolean }): Promise<"ok" | "conflict">;
  tags(names: string[]): Promise<Map<string, TagState>>;
  /** Sets the count to `next` and adds `tokens`, if the item still has `prev`'s count and none of the tokens. */
  count(tag: string, prev: TagState | undefined, next: bigint, tokens: string[]): Promise<"ok" | "conflict">;
  /** Makes the pending intent the article's counted state (a no-op when it is no longer pending). */
  finish(articleId: string, intent: Intent): Promise<void>;
  release(tag: string, tokens: string[]): Promise<void>;
}

/** How long the record of a removed article is kept (longer than the stream's 24 h retention). */
export const TOMBSTONE_SECONDS = 7 * 24 * 3600;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const big = (v: unknown): bigint => (v instanceof NumberValue ? BigInt(v.value) : typeof v === "number" || typeof v === "string" ? BigInt(v) : 0n);

function intentOf(v: unknown): Intent | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const p = v as Record<string, unknown>;
  if (typeof p.token !== "string" || typeof p.seq !== "string") return undefined;
  return { token: p.token, seq: p.seq, tags: strings(p.tags), add: strings(p.add), remove: strings(p.remove), removed: p.removed === true };
}

/** BatchGetItem (consistent) of any number of keys, unprocessed keys retried. */
async function getAll(db: DynamoDBDocumentClient, table: string, pks: string[], projection: string, names: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < pks.length; i += 100) {
    let keys: Array<Record<string, unknown>> | undefined = pks.slice(i, i + 100).map((pk) => ({ pk }));
    for (let attempt = 0; keys?.length; attempt++) {
      if (attempt > 8) throw new Error(`BatchGetItem left ${keys.length} key(s) unprocessed`);
      if (attempt) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const res: { Responses?: Record<string, Array<Record<string, unknown>>>; UnprocessedKeys?: Record<string, { Keys?: Array<Record<string, unknown>> }> } = await db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: projection, ExpressionAttributeNames: names } } }),
      );
      out.push(...(res.Responses?.[table] ?? []));
      keys = res.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return out;
}

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

    begin(articleId, base, next) {
      const expires = expiry(next.removed);
      const set = ["#seq = :seq", "tags = :tags", ...(next.pending ? ["pending = :p"] : []), ...(expires ? ["expires_at = :exp"] : [])];
      const remove = expires ? [] : ["expires_at"];
      return conditional(() =>
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: articleKey(articleId) },
            UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
            ConditionExpression: base ? "#seq = :base AND attribute_not_exists(pending)" : "attribute_not_exists(pk)",
            ExpressionAttributeNames: { "#seq": "seq" },
            ExpressionAttributeValues: {
              ":seq": next.seq,
              ":tags": next.tags,
              ...(next.pending ? { ":p": next.pending } : {}),
              ...(expires ? { ":exp": expires } : {}),
              ...(base ? { ":base": base.seq } : {}),
            },
          }),
        ),
      );
    },

    async tags(names) {
      const items = await getAll(db, table, names.map(tagKey), "pk, #c, tokens", { "#c": "count" });
      const out = new Map<string, TagState>();
      for (const item of items) {
        if (typeof item.pk !== "string") continue;
        out.set(item.pk.slice("tag#".length), { count: big(item.count), tokens: new Set(item.tokens instanceof Set ? [...item.tokens].map(String) : []) });
      }
      return out;
    },

    count(tag, prev, next, tokens) {
      const onBoard = next > 0n;
      const fresh = tokens.map((_, i) => `NOT contains(tokens, :t${i})`);
      return conditional(() =>
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: tagKey(tag) },
            UpdateExpression: `SET #c = :n, tag = :tag${onBoard ? ", board = :board, #r = :rank" : ""} ADD tokens :tokens${onBoard ? "" : " REMOVE board, #r"}`,
            ConditionExpression: [prev ? "#c = :prev" : "attribute_not_exists(pk)", ...fresh].join(" AND "),
            ExpressionAttributeNames: { "#c": "count", "#r": "rank" },
            ExpressionAttributeValues: {
              ":n": NumberValue.from(next.toString()),
              ":tag": tag,
              ":tokens": new Set(tokens),
              ...(onBoard ? { ":board": BOARD, ":rank": rankOf(tag, next) } : {}),
              ...(prev ? { ":prev": NumberValue.from(prev.count.toString()) } : {}),
              ...Object.fromEntries(tokens.map((t, i) => [`:t${i}`, t])),
            },
          }),
        ),
      );
    },

    async finish(articleId, intent) {
      const expires = expiry(intent.removed);
      await conditional(() =>
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: articleKey(articleId) },
            UpdateExpression: `SET #seq = :seq, tags = :tags${expires ? ", expires_at = :exp" : ""} REMOVE pending${expires ? "" : ", expires_at"}`,
            ConditionExpression: "pending.#tk = :token",
            ExpressionAttributeNames: { "#seq": "seq", "#tk": "token" },
            ExpressionAttributeValues: { ":seq": intent.seq, ":tags": intent.tags, ":token": intent.token, ...(expires ? { ":exp": expires } : {}) },
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
          UpdateExpression: "DELETE tokens :tokens",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":tokens": new Set(tokens) },
        }),
      ).catch((e: unknown) => {
        if (!isConditionFailure(e)) throw e;
      });
    },
  };
}
