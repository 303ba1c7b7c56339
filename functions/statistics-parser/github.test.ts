import { describe, expect, it } from "vitest";
import { gitHub, nextLink, rateLimitedUntil } from "./github.ts";
import { figures } from "./parser.ts";
import { readToken } from "./handler.ts";

describe("nextLink (GitHub's Link header)", () => {
  it.each<[string | null, string | undefined]>([
    [null, undefined],
    ["", undefined],
    ['<https://api.github.com/repositories/1/commits?page=2>; rel="next", <https://api.github.com/repositories/1/commits?page=5>; rel="last"', "https://api.github.com/repositories/1/commits?page=2"],
    ['<https://api.github.com/repositories/1/commits?page=1>; rel="prev", <https://api.github.com/repositories/1/commits?page=3>; rel="next", <https://api.github.com/repositories/1/commits?page=1>; rel="first"', "https://api.github.com/repositories/1/commits?page=3"],
    ['<https://api.github.com/repositories/1/commits?page=1>; rel="first", <https://api.github.com/repositories/1/commits?page=4>; rel="prev"', undefined],
    ['<https://x/?a=1,2&page=2>; rel=next', "https://x/?a=1,2&page=2"], // RFC 8288: a comma may sit inside <...>
    ['<https://x/p2>; rel="prev next"', "https://x/p2"],
    ['<https://x/p2>; rel="nextish"', undefined],
  ])("%j -> %j", (header, next) => {
    expect(nextLink(header)).toBe(next);
  });
});

describe("rateLimitedUntil", () => {
  const now = new Date("2026-03-01T12:00:00Z");
  const h = (o: Record<string, string>) => new Headers(o);
  it.each<[string, number, Record<string, string>, string, string | undefined]>([
    ["primary (403, remaining 0): the reset time", 403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1772368200" }, "API rate limit exceeded for 1.2.3.4.", "2026-03-01T12:30:00.000Z"],
    ["primary as 429", 429, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1772368200" }, "", "2026-03-01T12:30:00.000Z"],
    ["a reset already past: now", 403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000" }, "", "2026-03-01T12:00:00.000Z"],
    ["secondary with retry-after", 403, { "retry-after": "90", "x-ratelimit-remaining": "42" }, "You have exceeded a secondary rate limit.", "2026-03-01T12:01:30.000Z"],
    ["retry-after wins over the reset", 429, { "retry-after": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1772368200" }, "", "2026-03-01T12:00:05.000Z"],
    ["secondary without headers: a minute", 403, {}, "You have exceeded a secondary rate limit.", "2026-03-01T12:01:00.000Z"],
    ["429 without headers: a minute", 429, {}, "", "2026-03-01T12:01:00.000Z"],
    ["a 403 that is not a rate limit", 403, { "x-ratelimit-remaining": "57" }, "Resource not accessible by integration", undefined],
    ["a 404", 404, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1772368200" }, "Not Found", undefined],
  ])("%s", (_what, status, headers, body, until) => {
    expect(rateLimitedUntil(status, h(headers), body, now)?.toISOString()).toBe(until);
  });
});

describe("gitHub client", () => {
  it("never sends the token to another origin than the API's, and refuses to follow a Link there", async () => {
    const seen: Array<{ url: string; auth?: string }> = [];
    const fake: typeof fetch = async (input, init) => {
      const url = String(input);
      seen.push({ url, auth: (init?.headers as Record<string, string>).Authorization });
      return new Response("[]", { status: 200, headers: { link: '<https://evil.example/repositories/1/commits?page=2>; rel="next"' } });
    };
    const out = await gitHub({ apiUrl: "https://api.github.com", token: "ghp_secret", fetch: fake }).journeyCommits("octocat", "100DaysOfCloud", new Date(0));
    expect(out).toEqual({ kind: "failed", why: "GitHub's next page points to another origin (https://evil.example)" });
    expect(seen).toEqual([{ url: expect.stringMatching(/^https:\/\/api\.github\.com\/repos\/octocat\/100DaysOfCloud\/commits\?/), auth: "Bearer ghp_secret" }]);
  });

  it("keeps a GitHub Enterprise base path (https://host/api/v3)", async () => {
    const urls: string[] = [];
    const fake: typeof fetch = async (input) => (urls.push(String(input)), new Response("[]", { status: 200 }));
    await gitHub({ apiUrl: "https://ghe.example/api/v3", fetch: fake }).journeyCommits("a", "b", new Date(0));
    expect(urls[0]).toMatch(/^https:\/\/ghe\.example\/api\/v3\/repos\/a\/b\/commits\?/);
  });

  it.each<[string, number, string, unknown]>([
    ["a 200 that is not JSON", 200, "<html>", { kind: "failed", why: "GitHub answered 200 with a body that is not JSON" }],
    ["a 200 that is not a list", 200, "{}", { kind: "failed", why: "GitHub answered 200 with a body that is not a list of commits" }],
    ["a 503", 503, "{}", { kind: "failed", why: "GitHub answered 503" }],
    ["a 451 (blocked repository)", 451, '{"message":"Repository access blocked"}', { kind: "skipped", why: "GitHub answered 451" }],
    ["a 401 (bad token)", 401, '{"message":"Bad credentials"}', { kind: "skipped", why: "GitHub answered 401" }],
  ])("turns %s into an outcome", async (_what, status, body, outcome) => {
    const out = await gitHub({ fetch: async () => new Response(body, { status }) }).journeyCommits("a", "b", new Date(0));
    expect(out).toEqual(outcome);
  });
});

describe("figures", () => {
  it("counts commits and distinct UTC days; zeros for a missing or empty repository; nothing for a skipped member", () => {
    expect(figures({ kind: "commits", dates: ["2026-01-01T23:59:59Z", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"], truncated: false })).toEqual({ journey_commits: 3, journey_days: 2 });
    expect(figures({ kind: "none", why: "not-found" })).toEqual({ journey_commits: 0, journey_days: 0 });
    expect(figures({ kind: "none", why: "empty-repository" })).toEqual({ journey_commits: 0, journey_days: 0 });
    expect(figures({ kind: "skipped", why: "GitHub answered 451" })).toBeUndefined();
  });
});

describe("readToken", () => {
  it("reads the SecureString with decryption, and nothing when no parameter is configured", async () => {
    const calls: unknown[] = [];
    const ssm = { send: async (cmd: { input: unknown }) => (calls.push(cmd.input), { Parameter: { Value: "ghp_fromssm", Type: "SecureString" } }) };
    expect(await readToken("/hdoc/dev/github-token", ssm as never)).toBe("ghp_fromssm");
    expect(calls).toEqual([{ Name: "/hdoc/dev/github-token", WithDecryption: true }]);
    expect(await readToken("", ssm as never)).toBeUndefined();
    expect(calls.length).toBe(1);
  });
});
