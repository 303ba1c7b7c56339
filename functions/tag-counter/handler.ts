/**
 * Tag counter: consumes the Articles table's stream and keeps one count per tag (how many articles
 * carry it) in the Tags table, which GET /tags reads.
 *
 * - INSERT adds the article's tags, MODIFY applies the difference between the tags counted for the
 *   article and its new ones, REMOVE takes its counted tags away.
 * - Idempotent: the article item remembers the last record applied; a record that is not newer (a
 *   duplicate, a retried batch, a late delivery) changes nothing, and the newest state wins whatever
 *   the order. Each step is conditional and repeatable (see tag-store.ts), so a crash mid-batch
 *   neither loses nor doubles a change.
 * - Batched per tag: the changes of a whole batch are summed per tag and written once per tag, so a
 *   tag on every article costs one write per batch, not one per article.
 * - Failures are reported per record in `batchItemFailures`; malformed records are logged and skipped.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { documentClient } from "@hdoc/shared/dynamo";
import { once, requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { changeOf, difference, tokenOf, type ArticleChange } from "./changes.ts";
import { dynamoTagStore, type ArticleState, type Intent, type TagState, type TagStore } from "./tag-store.ts";

export interface Deps {
  store: TagStore;
  log: Logger;
  /** Attempts of a tag's read-then-conditional-write when another writer got in between. */
  attempts?: number;
  /** Conditional writes under way at once. */
  concurrency?: number;
}

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/** Tokens per conditional update of one tag (keeps the condition expression far below its 4 KB). */
const TOKENS_PER_UPDATE = 100;

/** Runs `work` over `items`, at most `limit` at once; returns the items whose work threw, with the error. */
async function each<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<Array<{ item: T; error: unknown }>> {
  const failed: Array<{ item: T; error: unknown }> = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return failed;
}

export function createHandler(deps: Deps): StreamHandler {
  const attempts = deps.attempts ?? 5;
  const concurrency = deps.concurrency ?? 16;
  const { store, log } = deps;

  /** Brings one tag's count up to date with every listed token (each +1 or -1) it does not hold yet. */
  const countTag = async (tag: string, entries: Array<{ token: string; delta: bigint }>, read: TagState | undefined) => {
    let state = read;
    for (let conflicts = 0; ; ) {
      const missing = entries.filter((e) => !state?.tokens.has(e.token)).slice(0, TOKENS_PER_UPDATE);
      if (!missing.length) return;
      let next = (state?.count ?? 0n) + missing.reduce((a, e) => a + e.delta, 0n);
      if (next < 0n) {
        log("error", "tag count would go below zero; kept at zero", { tag, count: String(state?.count ?? 0n), tokens: missing.length });
        next = 0n;
      }
      const tokens = missing.map((e) => e.token);
      if ((await store.count(tag, state, next, tokens)) === "ok") {
        state = { count: next, tokens: new Set([...(state?.tokens ?? []), ...tokens]) };
        continue;
      }
      if (++conflicts >= attempts) throw new Error(`tag ${tag} kept changing under ${attempts} attempts`);
      state = (await store.tags([tag])).get(tag);
    }
  };

  /** Applies intents already recorded as pending on their articles; returns the articles that failed. */
  const complete = async (intents: Map<string, Intent>): Promise<Map<string, unknown>> => {
    const failed = new Map<string, unknown>();
    const perTag = new Map<string, Array<{ token: string; delta: bigint; articleId: string }>>();
    for (const [articleId, intent] of intents) {
      for (const [tags, delta] of [[intent.add, 1n], [intent.remove, -1n]] as const) {
        for (const tag of tags) {
          let list = perTag.get(tag);
          if (!list) perTag.set(tag, (list = []));
          list.push({ token: intent.token, delta, articleId });
        }
      }
    }
    if (perTag.size) {
      let read: Map<string, TagState>;
      try {
        read = await store.tags([...perTag.keys()]);
      } catch (error) {
        for (const id of intents.keys()) failed.set(id, error);
        return failed;
      }
      for (const { item: [, entries], error } of await each([...perTag], concurrency, ([tag, entries]) => countTag(tag, entries, read.get(tag)))) {
        for (const e of entries) failed.set(e.articleId, error);
      }
    }
    const finishing = [...intents].filter(([id]) => !failed.has(id));
    for (const { item: [id], error } of await each(finishing, concurrency, ([id, intent]) => store.finish(id, intent))) failed.set(id, error);
    const released = [...perTag].map(([tag, entries]): [string, string[]] => [tag, [...new Set(entries.filter((e) => !failed.has(e.articleId)).map((e) => e.token))]]);
    // A token left behind is harmless (its change is finished and can never be applied again).
    for (const { item: [tag], error } of await each(released, concurrency, ([tag, tokens]) => store.release(tag, tokens))) {
      log("warn", "could not release the tokens of finished changes on a tag", { tag, error });
    }
    return failed;
  };

  return async (event) => {
    const records = event?.Records ?? [];
    const seqsOf = new Map<string, string[]>();
    const newest = new Map<string, ArticleChange>();
    for (const record of records) {
      const change = changeOf(record);
      if ("skip" in change) {
        log("error", "skipped a malformed articles record", { eventID: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber, reason: change.skip });
        continue;
      }
      seqsOf.set(change.articleId, [...(seqsOf.get(change.articleId) ?? []), record.dynamodb!.SequenceNumber!]);
      const seen = newest.get(change.articleId);
      if (!seen || change.seq > seen.seq) newest.set(change.articleId, change);
    }
    const failed = new Map<string, unknown>();
    const respond = (): DynamoDBBatchResponse => {
      for (const [articleId, error] of failed) log("error", "articles record(s) failed", { articleId, sequenceNumbers: seqsOf.get(articleId), error });
      return { batchItemFailures: [...failed.keys()].flatMap((id) => seqsOf.get(id)!.map((itemIdentifier) => ({ itemIdentifier }))) };
    };
    if (!newest.size) return respond();

    let states: Map<string, ArticleState>;
    try {
      states = await store.articles([...newest.keys()]);
    } catch (error) {
      for (const id of newest.keys()) failed.set(id, error);
      return respond();
    }

    // 1. Changes a crashed attempt left pending are completed first.
    const pending = new Map([...states].flatMap(([id, s]) => (s.pending ? [[id, s.pending] as const] : [])));
    for (const [id, error] of await complete(pending)) failed.set(id, error);

    // 2. Each article's newest record, if newer than what is counted, becomes a pending change.
    const base = (id: string): ArticleState | undefined => {
      const s = states.get(id);
      return s?.pending ? { seq: s.pending.seq, tags: s.pending.tags } : s;
    };
    const fresh = new Map<string, Intent>();
    const work = [...newest.values()].filter((c) => !failed.has(c.articleId) && c.seq > BigInt(base(c.articleId)?.seq ?? "-1"));
    for (const { item, error } of await each(work, concurrency, async (c) => {
      const before = base(c.articleId);
      const { add, remove } = difference(before?.tags ?? [], c.tags);
      const intent: Intent = { token: tokenOf(c.articleId, c.seq), seq: c.seq.toString(), tags: c.tags, add, remove, removed: c.removed };
      const changes = add.length + remove.length > 0;
      const next = { seq: intent.seq, tags: c.tags, removed: c.removed, ...(changes ? { pending: intent } : {}) };
      if ((await store.begin(c.articleId, before, next)) === "conflict") throw new Error(`article ${c.articleId} changed while its record was applied`);
      if (changes) fresh.set(c.articleId, intent);
    })) failed.set(item.articleId, error);

    // 3. The counts, once per tag for the whole batch.
    for (const [id, error] of await complete(fresh)) failed.set(id, error);
    return respond();
  };
}

const fromEnv = once(() => createHandler({ store: dynamoTagStore(documentClient(), requireEnv("TAGS_TABLE")), log: jsonLogger }));
export const handler: StreamHandler = (event) => fromEnv()(event);
