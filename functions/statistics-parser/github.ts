/**
 * The part of GitHub's REST API the Statistics Parser reads: a member's commits to their journey
 * repository since a date (`GET /repos/{owner}/{repo}/commits?author=&since=&per_page=100`),
 * followed across `Link: <...>; rel="next"` pages. GitHub's answers become outcomes, not throws:
 * 404 (no such user or repository) and 409 (empty repository) are "none"; 403/429 with
 * `x-ratelimit-remaining: 0` (wait for `x-ratelimit-reset`) or with `retry-after` (wait that many
 * seconds) are "rate-limited"; timeouts, network errors and 5xx are "failed". The token is sent
 * only to the configured API origin and never appears in an outcome.
 */
export const DEFAULT_GITHUB_API_URL = "https://api.github.com";
/** A pass reads at most this many pages per member (100 commits each). */
export const MAX_PAGES = 10;

export type Activity =
  | { kind: "commits"; dates: string[]; truncated: boolean }
  | { kind: "none"; why: "not-found" | "empty-repository" }
  | { kind: "skipped"; why: string }
  | { kind: "rate-limited"; resumeAt: Date }
  | { kind: "failed"; why: string };

export interface GitHubOptions {
  apiUrl?: string;
  token?: string;
  /** Per request, in milliseconds. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
  userAgent?: string;
}

export interface GitHub {
  journeyCommits(owner: string, repo: string, since: Date): Promise<Activity>;
  /** Set once an answer said the quota is used up: the next call would be refused until then. */
  exhaustedUntil(): Date | undefined;
}

/** The rel="next" target of a Link header, if any. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,\s*(?=<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

/** When GitHub says to come back, for a 403/429 that is a rate limit; undefined when it is not one. */
export function rateLimitedUntil(status: number, headers: Headers, body: string, now: Date): Date | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = headers.get("retry-after");
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return new Date(now.getTime() + Number(retryAfter.trim()) * 1000);
  const reset = headers.get("x-ratelimit-reset");
  if (headers.get("x-ratelimit-remaining") === "0" && reset !== null && /^\d+$/.test(reset.trim())) {
    return new Date(Math.max(Number(reset.trim()) * 1000, now.getTime()));
  }
  // A rate limit without either header (GitHub's secondary limits): wait at least a minute, as GitHub asks.
  if (status === 429 || /rate limit/i.test(body)) return new Date(now.getTime() + 60_000);
  return undefined;
}

export function gitHub(o: GitHubOptions = {}): GitHub {
  const base = new URL(o.apiUrl || DEFAULT_GITHUB_API_URL);
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? (() => new Date());
  const timeoutMs = o.timeoutMs ?? 10_000;
  let exhausted: Date | undefined;

  const get = async (url: URL): Promise<Response | { failed: string }> => {
    const headers: Record<string, string> = {
      Accept: "application/vnd.github+json",
      "X-GitHub-Api-Version": "2022-11-28",
      "User-Agent": o.userAgent ?? "hdoc-statistics-parser",
    };
    if (o.token && url.origin === base.origin) headers.Authorization = `Bearer ${o.token}`;
    try {
      return await doFetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
    } catch (e) {
      const name = (e as { name?: string }).name;
      return { failed: name === "TimeoutError" ? `GitHub did not answer within ${timeoutMs} ms` : `GitHub could not be reached (${name ?? "error"})` };
    }
  };

  return {
    exhaustedUntil: () => exhausted,
    async journeyCommits(owner, repo, since) {
      const first = new URL(`${base.pathname.replace(/\/$/, "")}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/commits`, base);
      first.search = new URLSearchParams({ author: owner, since: since.toISOString(), per_page: "100" }).toString();
      const dates: string[] = [];
      let url: URL | undefined = first;
      for (let page = 0; url; page++) {
        if (page === MAX_PAGES) return { kind: "commits", dates, truncated: true };
        const res = await get(url);
        if ("failed" in res) return { kind: "failed", why: res.failed };
        const text = await res.text().catch(() => "");
        if (res.headers.get("x-ratelimit-remaining") === "0") {
          const reset = Number(res.headers.get("x-ratelimit-reset"));
          if (Number.isFinite(reset) && reset > 0) exhausted = new Date(reset * 1000);
        }
        const limited = rateLimitedUntil(res.status, res.headers, text, now());
        if (limited) return { kind: "rate-limited", resumeAt: limited };
        if (res.status === 404) return { kind: "none", why: "not-found" };
        if (res.status === 409) return { kind: "none", why: "empty-repository" };
        if (res.status >= 500) return { kind: "failed", why: `GitHub answered ${res.status}` };
        if (res.status !== 200) return { kind: "skipped", why: `GitHub answered ${res.status}` };
        let list: unknown;
        try {
          list = JSON.parse(text);
        } catch {
          return { kind: "failed", why: "GitHub answered 200 with a body that is not JSON" };
        }
        if (!Array.isArray(list)) return { kind: "failed", why: "GitHub answered 200 with a body that is not a list of commits" };
        for (const c of list) {
          const date = (c as { commit?: { author?: { date?: unknown } } })?.commit?.author?.date;
          if (typeof date === "string") dates.push(date);
        }
        const next = nextLink(res.headers.get("link"));
        // The quota is used up: the next page would be refused, so do not ask for it.
        if (next && exhausted && exhausted > now()) return { kind: "rate-limited", resumeAt: exhausted };
        url = next ? new URL(next, base) : undefined;
        if (url && url.origin !== base.origin) return { kind: "failed", why: `GitHub's next page points to another origin (${url.origin})` };
      }
      return { kind: "commits", dates, truncated: false };
    },
  };
}
