import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { DeleteCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { memoryLogger } from "@hdoc/shared/log";
import { dynamoTagBoard } from "@hdoc/shared/tags";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { countTags } from "../list-tags/handler.ts";
import { createHandler } from "./handler.ts";
import { dynamoTagStore, type TagStore } from "./tag-store.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
});
afterAll(() => db?.stop());

const table = () => db.names.TagsTable!;
const reset = async () => {
  const items = (await db.doc.send(new ScanCommand({ TableName: table(), ProjectionExpression: "pk" }))).Items ?? [];
  await Promise.all(items.map((i) => db.doc.send(new DeleteCommand({ TableName: table(), Key: { pk: i.pk } }))));
};
beforeEach(reset);

const fixture = (): DynamoDBStreamEvent => JSON.parse(readFileSync(path.join(import.meta.dirname, "events/articles-batch.json"), "utf8"));
const template = fixture().Records[0]!;
const articleId = (n: number) => `5b0c8f0e-1d2a-4c3b-9e4f-${String(n).padStart(12, "0")}`;
/** A record of article `n` with sequence number `seq`: its tags after the write, or null for a REMOVE. */
const rec = (n: number, seq: number, tags: string[] | null, event: "INSERT" | "MODIFY" = "MODIFY"): DynamoDBRecord => {
  const keys = { article_id: { S: articleId(n) } };
  const image = tags ? { ...template.dynamodb!.NewImage, ...keys, tags: { L: tags.map((S) => ({ S })) } } : undefined;
  return {
    ...template,
    eventID: `ev-${n}-${seq}`,
    eventName: tags ? event : "REMOVE",
    dynamodb: { ...template.dynamodb, Keys: keys, SequenceNumber: (3n * 10n ** 23n + BigInt(seq)).toString(), NewImage: image },
  };
};
const batch = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

const store = () => dynamoTagStore(db.doc, table());
const run = (event: DynamoDBStreamEvent, s: TagStore = store(), log = memoryLogger()) => createHandler({ store: s, log })(event);
const counts = async () => (await dynamoTagBoard(db.doc, table()).page(200)).tags;
/** The tokens each tag item holds. */
const tokensOnTags = async () =>
  Object.fromEntries(
    ((await db.doc.send(new ScanCommand({ TableName: table() }))).Items ?? [])
      .filter((i) => String(i.pk).startsWith("tag#"))
      .map((i) => [i.tag, Object.keys((i.tokens as Record<string, unknown> | undefined) ?? {})]),
  );

describe("tag counter", () => {
  it("counts the fixture batch: INSERT adds, MODIFY applies the difference, REMOVE subtracts", async () => {
    expect(await run(fixture())).toEqual({ batchItemFailures: [] });
    expect(await counts()).toEqual([{ tag: "aws", count: 2 }, { tag: "dynamodb", count: 1 }, { tag: "lambda", count: 1 }]);
  });

  it("marks each tag with one token per batch and drops it with the tag's next update", async () => {
    const handler = createHandler({ store: store(), log: memoryLogger() }); // one container: it remembers finished tokens
    await handler(batch(rec(1, 1, ["aws", "s3"], "INSERT"), rec(2, 2, ["aws"], "INSERT")));
    const first = await tokensOnTags();
    expect(first.aws).toHaveLength(1);
    expect(first.s3).toEqual(first.aws);
    await handler(batch(rec(3, 3, ["aws"], "INSERT")));
    const second = await tokensOnTags();
    expect(second.aws).toHaveLength(1);
    expect(second.aws).not.toEqual(first.aws);
    expect(second.s3).toEqual(first.s3); // not touched since: its token waits for its next update
  });

  it("does not count a retried batch or duplicate records twice", async () => {
    await run(fixture());
    await run(fixture());
    const r = fixture().Records;
    await run(batch(r[0]!, r[0]!, r[1]!, r[3]!, r[3]!));
    expect(await counts()).toEqual([{ tag: "aws", count: 2 }, { tag: "dynamodb", count: 1 }, { tag: "lambda", count: 1 }]);
  });

  it("keeps the newest tags when records arrive out of order, and a late INSERT after a REMOVE changes nothing", async () => {
    await run(batch(rec(1, 3, ["b", "c"])));
    await run(batch(rec(1, 1, ["a"], "INSERT"), rec(1, 2, ["a", "b"])));
    expect(await counts()).toEqual([{ tag: "b", count: 1 }, { tag: "c", count: 1 }]);
    await run(batch(rec(2, 9, null)));
    await run(batch(rec(2, 4, ["c"], "INSERT")));
    expect(await counts()).toEqual([{ tag: "b", count: 1 }, { tag: "c", count: 1 }]);
  });

  it("writes a tag once per batch however many articles carry it (a hot tag)", async () => {
    const calls: string[] = [];
    const real = store();
    const spy: TagStore = { ...real, count: (tag, ...rest) => (calls.push(tag), real.count(tag, ...rest)) };
    const records = Array.from({ length: 100 }, (_, i) => rec(i, i + 1, i % 2 ? ["aws", "lambda"] : ["aws"], "INSERT"));
    expect(await run(batch(...records), spy)).toEqual({ batchItemFailures: [] });
    expect(calls.sort()).toEqual(["aws", "lambda"]);
    expect(await counts()).toEqual([{ tag: "aws", count: 100 }, { tag: "lambda", count: 50 }]);
  });

  it("orders ties by tag and drops a tag from the board when its count reaches zero", async () => {
    await run(batch(rec(1, 1, ["zeta", "alpha", "mid"], "INSERT"), rec(2, 2, ["mid"], "INSERT")));
    expect(await counts()).toEqual([{ tag: "mid", count: 2 }, { tag: "alpha", count: 1 }, { tag: "zeta", count: 1 }]);
    await run(batch(rec(1, 3, ["mid"])));
    expect(await counts()).toEqual([{ tag: "mid", count: 2 }]);
  });

  it("reports only the records of articles whose tag failed, applies the rest, and the retry completes without double counting", async () => {
    const real = store();
    let failS3 = true;
    const flaky: TagStore = { ...real, count: (tag, ...rest) => (failS3 && tag === "s3" ? Promise.reject(new Error("ProvisionedThroughputExceeded")) : real.count(tag, ...rest)) };
    const event = batch(rec(1, 1, ["aws"], "INSERT"), rec(2, 2, ["aws", "s3"], "INSERT"), rec(3, 3, ["lambda"], "INSERT"), rec(2, 4, ["aws", "s3", "iam"]));
    const log = memoryLogger();
    const res = await run(event, flaky, log);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([event.Records[1]!.dynamodb!.SequenceNumber, event.Records[3]!.dynamodb!.SequenceNumber].sort());
    expect(log.entries.find((e) => e.level === "error")?.fields).toMatchObject({ articleId: articleId(2) });
    // article 2's change stays pending: aws and iam may already hold it, s3 does not
    expect((await counts()).find((t) => t.tag === "lambda")).toEqual({ tag: "lambda", count: 1 });
    failS3 = false;
    expect(await run(event, flaky)).toEqual({ batchItemFailures: [] });
    expect(await counts()).toEqual([{ tag: "aws", count: 2 }, { tag: "iam", count: 1 }, { tag: "lambda", count: 1 }, { tag: "s3", count: 1 }]);
  });

  it("reads again and retries when another invocation changes a tag in between", async () => {
    await run(batch(rec(1, 1, ["aws"], "INSERT")));
    const real = store();
    let interfere = true;
    const racing: TagStore = {
      ...real,
      count: async (tag, prev, next, tokens) => {
        if (interfere) {
          interfere = false;
          await real.count(tag, prev, (prev?.count ?? 0n) + 5n, ["someone-else"]); // a concurrent batch got there first
        }
        return real.count(tag, prev, next, tokens);
      },
    };
    expect(await run(batch(rec(2, 2, ["aws"], "INSERT")), racing)).toEqual({ batchItemFailures: [] });
    expect(await counts()).toEqual([{ tag: "aws", count: 7 }]);
  });

  it("logs and skips malformed records without failing the batch", async () => {
    const log = memoryLogger();
    const noImage = { ...rec(5, 5, ["x"]), dynamodb: { ...rec(5, 5, ["x"]).dynamodb, NewImage: undefined } };
    const res = await run(batch({ eventID: "x" } as DynamoDBRecord, noImage, rec(6, 6, ["ok"], "INSERT")), store(), log);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(await counts()).toEqual([{ tag: "ok", count: 1 }]);
    expect(log.entries.map((e) => e.level)).toEqual(["error", "error"]);
  });

  it("reports every record when the database is down", async () => {
    const event = fixture();
    const res = await run(event, dynamoTagStore(db.broken, table()));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(event.Records.map((r) => r.dynamodb!.SequenceNumber).sort());
  });

  it("ends with the recount whatever the duplication, order, batching and failures of delivery", async () => {
    const op = fc.record({ article: fc.integer({ min: 1, max: 4 }), tags: fc.option(fc.subarray(["aws", "s3", "iam", "sam"]), { freq: 5 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 14 }),
        fc.infiniteStream(fc.nat()),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        async (ops, randoms, batchSize, failEvery) => {
          await reset();
          const it = randoms[Symbol.iterator]();
          const next = () => it.next().value as number;
          const records = ops.map((o, i) => rec(o.article, i + 1, o.tags));
          const latest = new Map<number, string[]>();
          ops.forEach((o) => latest.set(o.article, o.tags ?? []));
          // Every write may fail (throttling, a crash between steps) while failEvery > 0.
          const real = store();
          let faults = failEvery > 0;
          const fail = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A): Promise<R> =>
            faults && next() % (failEvery + 1) === 0 ? Promise.reject(new Error("injected")) : f(...a);
          const flaky: TagStore = { ...real, articles: fail(real.articles), save: fail(real.save), count: fail(real.count), release: fail(real.release), tags: fail(real.tags) };
          // Deliver every record at least once, some twice, shuffled, in batches; retry what is reported failed.
          let queue = [...records, ...records.filter(() => next() % 3 === 0)];
          for (let i = queue.length - 1; i > 0; i--) {
            const j = next() % (i + 1);
            [queue[i], queue[j]] = [queue[j]!, queue[i]!];
          }
          for (let round = 0; queue.length; round++) {
            if (round === 8) faults = false; // the outage ends
            const retry: DynamoDBRecord[] = [];
            for (let i = 0; i < queue.length; i += batchSize) {
              const part = queue.slice(i, i + batchSize);
              const failed = new Set((await run(batch(...part), flaky)).batchItemFailures.map((f) => f.itemIdentifier));
              retry.push(...part.filter((r) => failed.has(r.dynamodb!.SequenceNumber!)));
            }
            queue = retry;
            expect(round).toBeLessThan(20);
          }
          expect(await counts()).toEqual(countTags([...latest.values()]));
        },
      ),
      { numRuns: 30 },
    );
  });
});
