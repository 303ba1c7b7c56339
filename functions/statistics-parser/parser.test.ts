/**
 * The Statistics Parser end to end over loopback: members in dynalite, GitHub's REST API from the
 * loopback endpoint (real shapes, Link pagination, rate limits), and POST /statistics behind a
 * SigV4-checking gateway in front of the real record-statistics handler and table.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { memoryLogger } from "@hdoc/shared/log";
import { dynamoUserStore } from "@hdoc/shared/users";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { startGitHubEndpoint, type FakeCommit, type GitHubEndpoint } from "../../test/helpers/github-endpoint.ts";
import { startStatisticsRoute, type StatisticsRoute } from "../../test/helpers/statistics-route.ts";
import { createHandler as recordStatistics } from "../record-statistics/handler.ts";
import { dynamoStatisticsStore } from "../record-statistics/statistics-store.ts";
import { gitHub } from "./github.ts";
import { runParser, type ParserDeps } from "./parser.ts";
import { dynamoRunStateStore } from "./run-state.ts";
import { signedPost } from "./signed-post.ts";

const KEYS = { accessKeyId: "AKIDPARSERLOCAL", secretAccessKey: "parser-secret-key", sessionToken: "parser-session-token" };
const ROLE = "arn:aws:sts::123456789012:assumed-role/StatisticsParserFunctionRole/parser";
const NOW = new Date("2026-03-01T12:00:00.000Z");
const TOKEN = "ghp_loopbackTokenNeverLogged0123456789";

let db: LocalTables;
let gh: GitHubEndpoint;
let api: StatisticsRoute;
beforeAll(async () => {
  db = await localTables();
  gh = await startGitHubEndpoint();
  gh.tokens.add(TOKEN);
  api = await startStatisticsRoute(recordStatistics({ statistics: dynamoStatisticsStore(db.doc, db.names.StatisticsTable!), log: memoryLogger() }), [{ ...KEYS, arn: ROLE }]);
});
afterAll(async () => {
  await api?.stop();
  await gh?.stop();
  await db?.stop();
});

const daysAgo = (d: number, h = 0) => new Date(NOW.getTime() - d * 86_400_000 - h * 3_600_000).toISOString();
/** octocat: 130 commits of theirs in the window on 65 distinct days (two pages of 100), plus noise the count must ignore. */
const octocatCommits: FakeCommit[] = [
  ...Array.from({ length: 130 }, (_, i) => ({ author: "octocat", date: daysAgo(Math.floor(i / 2) + 1, i % 2) })),
  ...Array.from({ length: 5 }, (_, i) => ({ author: "hubot", date: daysAgo(i + 1) })),
  ...Array.from({ length: 4 }, (_, i) => ({ author: "octocat", date: daysAgo(101 + i) })),
];
const MEMBERS = ["octocat", "ada", "grace", "linus", "margaret"];
const expected: Record<string, [number, number]> = { octocat: [130, 65], ada: [0, 0], grace: [0, 0], linus: [3, 2], margaret: [1, 1] };

const setUp = async () => {
  for (const t of [db.names.UsersTable!, db.names.StatisticsTable!, db.names.StatisticsParserStateTable!]) {
    const items = (await db.doc.send(new ScanCommand({ TableName: t }))).Items ?? [];
    for (const it of items) {
      const key = t === db.names.StatisticsTable ? { github_username: it.github_username, stat_id: it.stat_id } : t === db.names.UsersTable ? { github_username: it.github_username } : { id: it.id };
      await db.doc.send(new DeleteCommand({ TableName: t, Key: key }));
    }
  }
  for (const u of MEMBERS) await db.doc.send(new PutCommand({ TableName: db.names.UsersTable, Item: { github_username: u, name: u, email: `${u}@example.com`, score: 0, stats: {} } }));
  gh.repo("Octocat", "100DaysOfCloud", octocatCommits); // GitHub names are case-insensitive
  gh.repo("grace", "100DaysOfCloud"); // empty repository: 409
  gh.repo("linus", "100DaysOfCloud", [{ author: "linus", date: daysAgo(3) }, { author: "linus", date: daysAgo(3, 5) }, { author: "linus", date: daysAgo(9) }]);
  gh.repo("margaret", "100DaysOfCloud", [{ author: "margaret", email: "margaret@example.com", date: daysAgo(99) }]);
  // ada has no repository: 404
  gh.setQuota({ anonymous: 60, authenticated: 5000, resetAt: new Date(NOW.getTime() + 3_600_000) });
  gh.requests.length = 0;
  api.calls.length = 0;
};
beforeEach(setUp);

const deps = (o: { token?: string; now?: Date; timeoutMs?: number; log?: ReturnType<typeof memoryLogger> } = {}): ParserDeps => {
  const clock = () => o.now ?? NOW;
  return {
    users: dynamoUserStore(db.doc, db.names.UsersTable!),
    github: gitHub({ apiUrl: gh.url, token: o.token, now: clock, timeoutMs: o.timeoutMs }),
    post: signedPost({ region: "us-east-1", credentials: async () => KEYS }),
    statisticsUrl: api.url,
    state: dynamoRunStateStore(db.doc, db.names.StatisticsParserStateTable!),
    repository: "100DaysOfCloud",
    log: o.log ?? memoryLogger(),
    now: clock,
  };
};
const figuresOf = async (u: string) => {
  const get = async (s: string) => (await db.doc.send(new GetCommand({ TableName: db.names.StatisticsTable, Key: { github_username: u, stat_id: s } }))).Item?.value;
  const [c, d] = [await get("journey_commits"), await get("journey_days")];
  return c === undefined ? undefined : [Number(String(c)), Number(String(d))];
};
const allFigures = async () => Object.fromEntries(await Promise.all(MEMBERS.map(async (u) => [u, await figuresOf(u)])));
const state = () => dynamoRunStateStore(db.doc, db.names.StatisticsParserStateTable!).get();

describe("Statistics Parser", () => {
  it("posts commits and distinct days of the last 100 days for every member, across Link pages; zeros without a repository or with an empty one", async () => {
    const summary = await runParser(deps());
    expect(summary).toMatchObject({ status: "complete", members: 5, posted: 10 });
    expect(await allFigures()).toEqual(expected);
    // octocat took two pages, the second one followed from the Link header (GitHub's /repositories/{id} URL)
    const octo = gh.requests.filter((r) => /octocat|repositories/i.test(r.path));
    expect(octo.map((r) => r.path)).toEqual(["/repos/octocat/100DaysOfCloud/commits", expect.stringMatching(/^\/repositories\/\d+\/commits$/)]);
    expect(octo[0]!.query).toEqual({ author: "octocat", since: "2025-11-21T12:00:00.000Z", per_page: "100" });
    expect(octo[1]!.query.page).toBe("2");
    expect(gh.requests.every((r) => r.userAgent && r.authorization === undefined)).toBe(true);
    // every post reached the handler through a valid signature
    expect(api.calls.every((c) => c.status === 200)).toBe(true);
    expect(await state()).toEqual({ after: undefined, notBefore: undefined });
  });

  it("writes nothing the second time when nothing changed", async () => {
    await runParser(deps());
    api.calls.length = 0;
    expect((await runParser(deps())).status).toBe("complete");
    const results = api.calls.map((c) => c.status);
    expect(results.every((s) => s === 200)).toBe(true);
    const total = await db.doc.send(new ScanCommand({ TableName: db.names.StatisticsTable }));
    expect(total.Items?.length).toBe(10);
  });

  it("sends the token only as a Bearer header to GitHub, and never logs it", async () => {
    const log = memoryLogger();
    gh.failNext(502, 1);
    await runParser(deps({ token: TOKEN, log }));
    await runParser(deps({ token: TOKEN, log }));
    expect(gh.requests.length).toBeGreaterThan(1);
    expect(gh.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(JSON.stringify(log.entries)).not.toContain(TOKEN);
    expect(JSON.stringify(log.entries)).toContain("GitHub answered 502");
  });

  it("stops at GitHub's primary rate limit, waits for x-ratelimit-reset, then resumes where it stopped and finishes", async () => {
    const reset = new Date(NOW.getTime() + 30 * 60_000);
    gh.setQuota({ anonymous: 3, resetAt: reset });
    const first = await runParser(deps());
    expect(first.status).toBe("rate-limited");
    expect(first.notBefore).toBe(reset.toISOString());
    // never hammered: the answer with x-ratelimit-remaining: 0 was the last request, none was refused
    expect(gh.requests.length).toBe(3);
    expect(gh.requests.filter((r) => r.status === 403 || r.status === 429)).toEqual([]);
    const saved = await state();
    expect(saved.notBefore?.toISOString()).toBe(reset.toISOString());
    const done = Object.entries(await allFigures()).filter(([, f]) => f !== undefined).map(([u]) => u);
    expect(done.length).toBeLessThan(MEMBERS.length);

    const before = gh.requests.length;
    const waiting = await runParser(deps({ now: new Date(reset.getTime() - 60_000) }));
    expect(waiting.status).toBe("waiting");
    expect(gh.requests.length).toBe(before); // not one GitHub call before the reset

    gh.setQuota({ anonymous: 60 });
    const resumed = await runParser(deps({ now: new Date(reset.getTime() + 1000) }));
    expect(resumed.status).toBe("complete");
    expect(resumed.members + done.length).toBe(MEMBERS.length); // resumed after the last member posted, none twice
    const after = Object.fromEntries(Object.entries(await allFigures()));
    expect(Object.keys(after).sort()).toEqual([...MEMBERS].sort());
    expect(after.ada).toEqual([0, 0]);
  });

  it("stops at once when GitHub already refuses (403, x-ratelimit-remaining: 0) and keeps the reset time", async () => {
    const reset = new Date(NOW.getTime() + 10 * 60_000);
    gh.setQuota({ anonymous: 0, resetAt: reset });
    const summary = await runParser(deps());
    expect(summary).toMatchObject({ status: "rate-limited", members: 0, posted: 0, notBefore: reset.toISOString() });
    expect(gh.requests.map((r) => r.status)).toEqual([403]);
    expect((await state()).notBefore?.toISOString()).toBe(reset.toISOString());
  });

  it.each([[403], [429]] as const)("stops on a secondary rate limit (%i with retry-after) and comes back after retry-after seconds", async (status) => {
    gh.secondaryLimit(120, { status });
    const summary = await runParser(deps());
    expect(summary).toMatchObject({ status: "rate-limited", members: 0, notBefore: new Date(NOW.getTime() + 120_000).toISOString() });
    expect(gh.requests.length).toBe(1);
    expect(await allFigures()).toEqual(Object.fromEntries(MEMBERS.map((u) => [u, undefined])));
  });

  it("stops cleanly on a GitHub timeout and resumes at that member next time", async () => {
    await runParser(deps()); // a full pass first, so the figures exist
    gh.requests.length = 0;
    gh.delayNext(400, 1);
    const summary = await runParser(deps({ timeoutMs: 100 }));
    expect(summary).toMatchObject({ status: "github-failed", members: 0, resumeAfter: undefined });
    const next = await runParser(deps());
    expect(next).toMatchObject({ status: "complete", members: 5 });
  });

  it("does not move past members whose figures the route refused, and says so", async () => {
    const log = memoryLogger();
    api.failNext(500, 1);
    const summary = await runParser(deps({ log }));
    expect(summary.status).toBe("post-failed");
    expect(summary.resumeAfter).toBeUndefined();
    expect((await state()).after).toBeUndefined();
    expect(log.entries.some((e) => e.level === "error" && e.message === "POST /statistics was refused")).toBe(true);
    expect((await runParser(deps())).status).toBe("complete");
    expect(await allFigures()).toEqual(expected);
  });

  it("is refused by the route (403) when its signature is made with keys the route does not know", async () => {
    const bad = { ...deps(), post: signedPost({ region: "us-east-1", credentials: async () => ({ ...KEYS, secretAccessKey: "wrong" }) }) };
    expect((await runParser(bad)).status).toBe("post-failed");
    expect(api.calls.map((c) => c.status)).toEqual([403]);
    expect(await allFigures()).toEqual(Object.fromEntries(MEMBERS.map((u) => [u, undefined])));
  });
});
