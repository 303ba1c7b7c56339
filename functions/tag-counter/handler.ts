/**
 * Tag counter: consumes the Articles table's stream and keeps one count per tag (how many articles
 * carry it) in the Tags table, which GET /tags reads.
 *
 * - INSERT adds the article's tags, MODIFY applies the difference between the tags counted for the
 *   article and its new ones, REMOVE takes its counted tags away.
 * - Idempotent: the article item remembers the last record applied; a record that is not newer (a
 *   duplicate, a retried batch, a late delivery) changes nothing, and the newest state wins whatever
 *   the order. Each step can be repeated (see tag-store.ts), so a crash mid-batch neither loses nor
 *   doubles a change.
 * - Batched per tag: the changes of a whole batch are summed per tag and written once per tag, so a
 *   tag on every article costs one write per batch, not one per article.
 * - Failures are reported per record in `batchItemFailures`; malformed records are logged and skipped.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { documentClient } from "@hdoc/shared/dynamo";
import { once, requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { changeOf, chunkOf, difference, tokenOf, type ArticleChange } from "./changes.ts";
import { dynamoTagStore, type ArticleState, type ArticleWrite, type Intent, type TagState, type TagStore } from "./tag-store.ts";

export interface Deps {
  store: TagStore;
  log: Logger;
  /** Attempts of a tag's read-then-conditional-write when another writer got in between. */
  attempts?: number;
  /** Tag updates under way at once. */
  concurrency?: number;
}

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/** Tokens per update of one tag when crashed changes are completed one by one. */
const TOKENS_PER_UPDATE = 100;

/** Finished tokens kept for the next update of their tags before they are released on their own. */
const MAX_WAITING_TOKENS = 20_000;

interface Entry {
  articleId: string;
  token: string;
  chunk: string;
  delta: bigint;
}

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
  /**
   * Tokens of finished changes, per tag, still on the tag items: dropped by the tag's next count update
   * (no write of their own), or by `release` when too many wait. Lost with the container: then they
   * stay on the items, harmless.
   */
  const finishedTokens = new Map<string, Set<string>>();
  let waiting = 0;
  const forget = (tag: string, tokens: string[]) => {
    const set = finishedTokens.get(tag);
    if (!set) return;
    for (const t of tokens) if (set.delete(t)) waiting--;
    if (!set.size) finishedTokens.delete(tag);
  };

  /** Stores article states; every write that failed (or all of them, when the store threw) comes back with its error. */
  const save = async (writes: ArticleWrite[]): Promise<Map<string, unknown>> => {
    try {
      return await store.save(writes);
    } catch (error) {
      return new Map(writes.map((w) => [w.articleId, error]));
    }
  };

  /**
   * Brings one tag's count up to date with every entry (+1 or -1) it does not hold yet: an entry is held
   * when the tag has its article change's token or the token of the batch it was applied in. A fresh
   * batch adds its one batch token; completing crashed changes adds one token per change.
   */
  const countTag = async (tag: string, entries: Entry[], read: TagState | undefined, byChunk: boolean) => {
    let state = read;
    for (let conflicts = 0; ; ) {
      const held = (e: Entry) => state?.tokens.has(e.token) || state?.tokens.has(e.chunk);
      const missing = entries.filter((e) => !held(e));
      if (!missing.length) return;
      const applying = byChunk ? missing : missing.slice(0, TOKENS_PER_UPDATE);
      let next = (state?.count ?? 0n) + applying.reduce((a, e) => a + e.delta, 0n);
      if (next < 0n) {
        log("error", "tag count would go below zero; kept at zero", { tag, count: String(state?.count ?? 0n), changes: applying.length });
        next = 0n;
      }
      const tokens = [...new Set(applying.map((e) => (byChunk ? e.chunk : e.token)))];
      const done = [...(finishedTokens.get(tag) ?? [])].filter((t) => state?.tokens.has(t));
      if ((await store.count(tag, state, next, tokens, done)) === "ok") {
        forget(tag, done);
        state = { count: next, version: (state?.version ?? 0n) + 1n, tokens: new Set([...(state?.tokens ?? []), ...tokens].filter((t) => !done.includes(t))), hasTokenMap: true };
        continue;
      }
      if (++conflicts >= attempts) throw new Error(`tag ${tag} kept changing under ${attempts} attempts`);
      state = (await store.tags([tag])).get(tag);
    }
  };

  /** Applies intents already recorded as pending on their articles; returns the articles that failed. */
  const complete = async (intents: Map<string, Intent>, byChunk: boolean): Promise<Map<string, unknown>> => {
    const failed = new Map<string, unknown>();
    const perTag = new Map<string, Entry[]>();
    for (const [articleId, intent] of intents) {
      for (const [tags, delta] of [[intent.add, 1n], [intent.remove, -1n]] as const) {
        for (const tag of tags) {
          let list = perTag.get(tag);
          if (!list) perTag.set(tag, (list = []));
          list.push({ token: intent.token, chunk: intent.chunk, delta, articleId });
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
      for (const { item: [, entries], error } of await each([...perTag], concurrency, ([tag, entries]) => countTag(tag, entries, read.get(tag), byChunk))) {
        for (const e of entries) failed.set(e.articleId, error);
      }
    }
    const finished = [...intents].filter(([id]) => !failed.has(id)).map(([articleId, i]) => ({ articleId, state: { seq: i.seq, tags: i.tags }, removed: i.removed }));
    for (const [id, error] of await save(finished)) failed.set(id, error);
    // A batch token goes once every change of the batch on that tag is finished; an article token once
    // its change is. A token left behind is harmless: its changes are finished and never applied again.
    const released = [...perTag].map(([tag, entries]): [string, string[]] => {
      if (!byChunk) return [tag, [...new Set(entries.filter((e) => !failed.has(e.articleId)).map((e) => e.token))]];
      const unfinished = new Set(entries.filter((e) => failed.has(e.articleId)).map((e) => e.chunk));
      return [tag, [...new Set(entries.map((e) => e.chunk))].filter((c) => !unfinished.has(c))];
    });
    for (const [tag, tokens] of released) {
      let set = finishedTokens.get(tag);
      if (!set) finishedTokens.set(tag, (set = new Set()));
      for (const t of tokens) {
        if (set.has(t)) continue;
        set.add(t);
        waiting++;
      }
    }
    if (waiting > MAX_WAITING_TOKENS) {
      const all = [...finishedTokens].map(([tag, set]): [string, string[]] => [tag, [...set]]);
      for (const { item: [tag], error } of await each(all, concurrency, async ([tag, tokens]) => {
        await store.release(tag, tokens);
        forget(tag, tokens);
      })) {
        log("warn", "could not release the tokens of finished changes on a tag", { tag, error });
      }
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
    for (const [id, error] of await complete(pending, false)) failed.set(id, error);

    // 2. Each article's newest record, if newer than what is counted, becomes a pending change.
    const base = (id: string): ArticleState | undefined => {
      const s = states.get(id);
      return s?.pending ? { seq: s.pending.seq, tags: s.pending.tags } : s;
    };
    const fresh = new Map<string, Intent>();
    const writes: ArticleWrite[] = [];
    for (const c of newest.values()) {
      const before = base(c.articleId);
      if (failed.has(c.articleId) || c.seq <= BigInt(before?.seq ?? "-1")) continue;
      const { add, remove } = difference(before?.tags ?? [], c.tags);
      const intent: Intent = { token: tokenOf(c.articleId, c.seq), chunk: "", seq: c.seq.toString(), tags: c.tags, add, remove, removed: c.removed };
      const changes = add.length + remove.length > 0;
      if (changes) fresh.set(c.articleId, intent);
      writes.push({ articleId: c.articleId, state: { seq: intent.seq, tags: c.tags, ...(changes ? { pending: intent } : {}) }, removed: c.removed });
    }
    const chunk = chunkOf([...fresh.values()].map((i) => i.token));
    for (const i of fresh.values()) i.chunk = chunk;
    for (const [id, error] of await save(writes)) {
      failed.set(id, error);
      fresh.delete(id);
    }

    // 3. The counts, once per tag for the whole batch.
    for (const [id, error] of await complete(fresh, true)) failed.set(id, error);
    return respond();
  };
}

const fromEnv = once(() => createHandler({ store: dynamoTagStore(documentClient(), requireEnv("TAGS_TABLE")), log: jsonLogger }));
export const handler: StreamHandler = (event) => fromEnv()(event);
