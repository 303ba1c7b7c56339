/**
 * A loopback GitHub REST API for the Statistics Parser's tests, speaking GitHub's real shapes:
 * `GET /repos/{owner}/{repo}/commits` with `author`, `since`, `until`, `per_page` (default 30, at
 * most 100) and `page`; commit objects as GitHub returns them (newest first); pagination by
 * `Link: <.../repositories/{id}/commits?...&page=N>; rel="next", ...; rel="last"` (GitHub's own
 * repository-id URLs, so a client must follow the header rather than build page URLs); the
 * `x-ratelimit-*` headers on every answer, with the primary limit (403 "API rate limit exceeded",
 * `x-ratelimit-remaining: 0`, reset as epoch seconds) and injectable secondary limits (403 or 429
 * with `retry-after`); `404 Not Found`, `409 Git Repository is empty.`, `401 Bad credentials`,
 * and GitHub's 403 for a request without a User-Agent. `delayNext` holds answers back (timeouts).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";

export interface FakeCommit {
  /** Login of the GitHub user the commit is attributed to (null: an e-mail GitHub cannot map). */
  author: string | null;
  email?: string;
  date: string;
  message?: string;
}

export interface GitHubRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
  userAgent?: string;
  status: number;
}

export interface GitHubEndpoint {
  url: string;
  requests: GitHubRequest[];
  /** Adds a user (login -> numeric id). */
  user(login: string): void;
  /** Creates a repository; no commits = an empty repository (409 on /commits). */
  repo(owner: string, name: string, commits?: FakeCommit[]): void;
  /** Quota per hour for anonymous calls (GitHub: 60) and for token calls (5000); the reset time. */
  setQuota(o: { anonymous?: number; authenticated?: number; resetAt?: Date }): void;
  /** The next `count` calls answer a secondary rate limit with `retry-after: seconds`. */
  secondaryLimit(seconds: number, o?: { status?: 403 | 429; count?: number }): void;
  /** The next `count` calls answer `status` (e.g. 502) with GitHub's error body. */
  failNext(status: number, count?: number): void;
  /** Holds the next `count` answers back by `ms`. */
  delayNext(ms: number, count?: number): void;
  /** Tokens the endpoint accepts (others: 401 Bad credentials). */
  tokens: Set<string>;
  stop(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest/commits/commits#list-commits";

export async function startGitHubEndpoint(): Promise<GitHubEndpoint> {
  const users = new Map<string, number>();
  const repos = new Map<string, { owner: string; name: string; id: number; commits: FakeCommit[] }>();
  const requests: GitHubRequest[] = [];
  const tokens = new Set<string>();
  let nextId = 1000;
  let quota = { anonymous: 60, authenticated: 5000, resetAt: new Date(Date.now() + 3_600_000) };
  const used = new Map<string, number>();
  let secondary: { seconds: number; status: number; count: number } | undefined;
  let failing: { status: number; count: number } | undefined;
  let delaying: { ms: number; count: number } | undefined;

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://github.local");
    const base = `http://${req.headers.host}`;
    const query = Object.fromEntries(u.searchParams);
    const authorization = req.headers.authorization;
    const rec: GitHubRequest = { method: req.method ?? "GET", path: u.pathname, query, authorization, userAgent: req.headers["user-agent"], status: 0 };
    requests.push(rec);

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      const text = JSON.stringify(body);
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(status, {
          "content-type": "application/json; charset=utf-8",
          "x-github-api-version-selected": "2022-11-28",
          "x-github-request-id": createHash("sha1").update(String(requests.length)).digest("hex").slice(0, 16).toUpperCase(),
          "access-control-expose-headers": "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset",
          ...headers,
        });
        res.end(text);
      };
      if (delaying && delaying.count > 0) {
        delaying.count--;
        setTimeout(answer, delaying.ms);
      } else answer();
    };
    const error = (status: number, message: string, headers: Record<string, string> = {}, docs = DOCS) => send(status, { message, documentation_url: docs, status: String(status) }, headers);

    if (!req.headers["user-agent"]) {
      rec.status = 403;
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
      res.end("Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.\n");
      return;
    }
    // Who is calling, and their quota.
    let who = `ip:${req.socket.remoteAddress}`;
    let limit = quota.anonymous;
    if (authorization) {
      const m = /^(?:Bearer|token) (.+)$/i.exec(authorization);
      if (!m || !tokens.has(m[1]!)) return error(401, "Bad credentials", {}, "https://docs.github.com/rest");
      who = `token:${m[1]}`;
      limit = quota.authenticated;
    }
    const reset = String(Math.floor(quota.resetAt.getTime() / 1000));
    const spent = used.get(who) ?? 0;
    const rate = (n: number) => ({ "x-ratelimit-limit": String(limit), "x-ratelimit-remaining": String(Math.max(limit - n, 0)), "x-ratelimit-reset": reset, "x-ratelimit-used": String(n), "x-ratelimit-resource": "core" });
    if (spent >= limit) {
      const msg = authorization
        ? "API rate limit exceeded for user ID 1."
        : `API rate limit exceeded for ${req.socket.remoteAddress}. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)`;
      return error(403, msg, rate(spent), "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api");
    }
    if (secondary && secondary.count > 0) {
      secondary.count--;
      return error(secondary.status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.", { ...rate(spent), "retry-after": String(secondary.seconds) }, "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits");
    }
    used.set(who, spent + 1);
    const headers = rate(spent + 1);
    if (failing && failing.count > 0) {
      failing.count--;
      return error(failing.status, failing.status >= 500 ? "Server Error" : "Error", headers);
    }
    if (req.method !== "GET") return error(404, "Not Found", headers, "https://docs.github.com/rest");

    let repo: { owner: string; name: string; id: number; commits: FakeCommit[] } | undefined;
    const byName = /^\/repos\/([^/]+)\/([^/]+)\/commits$/.exec(u.pathname);
    const byId = /^\/repositories\/(\d+)\/commits$/.exec(u.pathname);
    if (byName) repo = repos.get(`${decodeURIComponent(byName[1]!).toLowerCase()}/${decodeURIComponent(byName[2]!).toLowerCase()}`);
    else if (byId) repo = [...repos.values()].find((r) => r.id === Number(byId[1]));
    else return error(404, "Not Found", headers, "https://docs.github.com/rest");
    if (!repo) return error(404, "Not Found", headers);
    if (!repo.commits.length) return error(409, "Git Repository is empty.", headers);

    const perPage = Math.min(Math.max(Number(query.per_page ?? 30) || 30, 1), 100);
    const page = Math.max(Number(query.page ?? 1) || 1, 1);
    const author = query.author?.toLowerCase();
    const since = query.since ? Date.parse(query.since) : undefined;
    const until = query.until ? Date.parse(query.until) : undefined;
    if ((query.since && Number.isNaN(since)) || (query.until && Number.isNaN(until))) return error(422, "Validation Failed", headers);
    const matching = repo.commits
      .filter((c) => !author || c.author?.toLowerCase() === author || c.email?.toLowerCase() === author)
      .filter((c) => (since === undefined || Date.parse(c.date) >= since) && (until === undefined || Date.parse(c.date) <= until))
      .sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
    const pages = Math.max(Math.ceil(matching.length / perPage), 1);
    const slice = matching.slice((page - 1) * perPage, page * perPage);
    const link = (p: number) => {
      const q = new URLSearchParams({ ...query, per_page: String(perPage), page: String(p) });
      return `<${base}/repositories/${repo.id}/commits?${q}>`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`${link(page - 1)}; rel="prev"`);
    if (page < pages) links.push(`${link(page + 1)}; rel="next"`, `${link(pages)}; rel="last"`);
    if (page > 1) links.push(`${link(1)}; rel="first"`);
    const body = slice.map((c, i) => commitJson(base, repo.owner, repo.name, c, i, users));
    send(200, body, { ...headers, ...(links.length ? { link: links.join(", ") } : {}) });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  const addUser = (login: string) => {
    if (!users.has(login.toLowerCase())) users.set(login.toLowerCase(), nextId++);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tokens,
    user: addUser,
    repo(owner, name, commits = []) {
      repos.set(`${owner.toLowerCase()}/${name.toLowerCase()}`, { owner, name, id: nextId++, commits });
      for (const c of commits) if (c.author) addUser(c.author);
    },
    setQuota(o) {
      quota = { ...quota, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
      used.clear();
    },
    secondaryLimit(seconds, o = {}) {
      secondary = { seconds, status: o.status ?? 403, count: o.count ?? 1 };
    },
    failNext(status, count = 1) {
      failing = { status, count };
    },
    delayNext(ms, count = 1) {
      delaying = { ms, count };
    },
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function person(base: string, login: string, id: number) {
  return {
    login, id, node_id: `MDQ6VXNlcj${id}`, avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`, gravatar_id: "",
    url: `${base}/users/${login}`, html_url: `https://github.com/${login}`, followers_url: `${base}/users/${login}/followers`,
    repos_url: `${base}/users/${login}/repos`, events_url: `${base}/users/${login}/events{/privacy}`, type: "User", user_view_type: "public", site_admin: false,
  };
}

function commitJson(base: string, owner: string, repo: string, c: FakeCommit, i: number, users: Map<string, number>) {
  const sha = createHash("sha1").update(`${owner}/${repo}/${c.date}/${c.author}/${i}/${c.message ?? ""}`).digest("hex");
  const sig = { name: c.author ?? "someone", email: c.email ?? `${c.author ?? "someone"}@users.noreply.github.com`, date: c.date.replace(/\.\d{3}Z$/, "Z") };
  const gh = c.author ? person(base, c.author, users.get(c.author.toLowerCase()) ?? 1) : null;
  return {
    sha,
    node_id: `C_kwDO${sha.slice(0, 20)}`,
    commit: {
      author: sig, committer: sig, message: c.message ?? "Day update",
      tree: { sha: sha.split("").reverse().join(""), url: `${base}/repos/${owner}/${repo}/git/trees/${sha}` },
      url: `${base}/repos/${owner}/${repo}/git/commits/${sha}`, comment_count: 0,
      verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
    },
    url: `${base}/repos/${owner}/${repo}/commits/${sha}`,
    html_url: `https://github.com/${owner}/${repo}/commit/${sha}`,
    comments_url: `${base}/repos/${owner}/${repo}/commits/${sha}/comments`,
    author: gh, committer: gh,
    parents: [],
  };
}
