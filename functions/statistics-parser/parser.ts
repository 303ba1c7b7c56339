/**
 * One run of the Statistics Parser: for every registered member (a paged scan, resuming after the
 * member the last run stopped at), read their journey repository's commits of the last 100 days
 * from GitHub and post two figures to POST /statistics in batches: `journey_commits` (commits by
 * them) and `journey_days` (distinct UTC days with such a commit). A member without the repository
 * gets zeros. On GitHub's rate limit the run posts what it has, remembers where it stopped and when
 * GitHub said to come back, and ends; it never retries into the limit.
 */
import type { Logger } from "@hdoc/shared/log";
import type { UserStore } from "@hdoc/shared/users";
import type { Activity, GitHub } from "./github.ts";
import type { PostJson } from "./signed-post.ts";
import type { RunStateStore } from "./run-state.ts";

export const WINDOW_DAYS = 100;
export const BATCH = 24; // two figures per member, under the route's 25
const PAGE = 100;

export interface Figures {
  journey_commits: number;
  journey_days: number;
}

/** The figures a member's activity gives; undefined when the activity says nothing (skipped). */
export function figures(a: Activity): Figures | undefined {
  if (a.kind === "none") return { journey_commits: 0, journey_days: 0 };
  if (a.kind !== "commits") return undefined;
  return { journey_commits: a.dates.length, journey_days: new Set(a.dates.map((d) => d.slice(0, 10))).size };
}

export interface ParserDeps {
  users: UserStore;
  github: GitHub;
  post: PostJson;
  statisticsUrl: string;
  state: RunStateStore;
  repository: string;
  log: Logger;
  now?: () => Date;
  /** Milliseconds left before the function times out. */
  remainingMs?: () => number;
}

export interface RunSummary {
  status: "complete" | "rate-limited" | "waiting" | "out-of-time" | "github-failed" | "post-failed";
  members: number;
  posted: number;
  resumeAfter?: string;
  notBefore?: string;
}

/** Time kept in hand at the end of a run for the last post and the state write. */
const MARGIN_MS = 20_000;

export async function runParser(d: ParserDeps): Promise<RunSummary> {
  const now = d.now ?? (() => new Date());
  const remaining = d.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const state = await d.state.get();
  if (state.notBefore && state.notBefore > now()) {
    d.log("info", "GitHub asked us to wait; this run does nothing", { notBefore: state.notBefore.toISOString(), resumeAfter: state.after });
    return { status: "waiting", members: 0, posted: 0, resumeAfter: state.after, notBefore: state.notBefore.toISOString() };
  }
  const since = new Date(now().getTime() - WINDOW_DAYS * 86_400_000);
  let committed = state.after; // last member whose figures are posted
  let queuedThrough = state.after;
  let pending: Array<{ github_username: string; stat_id: string; value: number }> = [];
  let members = 0, posted = 0;

  const flush = async (): Promise<boolean> => {
    if (pending.length) {
      let res: { status: number; text: string };
      try {
        res = await d.post(d.statisticsUrl, { statistics: pending });
      } catch (e) {
        d.log("error", "POST /statistics failed", { error: e, entries: pending.length });
        return false;
      }
      if (res.status !== 200) {
        d.log("error", "POST /statistics was refused", { status: res.status, body: res.text.slice(0, 500), entries: pending.length });
        return false;
      }
      posted += pending.length;
      pending = [];
    }
    committed = queuedThrough;
    return true;
  };

  const finish = async (status: RunSummary["status"], notBefore?: Date): Promise<RunSummary> => {
    await d.state.put({ after: committed, notBefore });
    const summary: RunSummary = { status, members, posted, resumeAfter: committed, notBefore: notBefore?.toISOString() };
    d.log(status === "complete" ? "info" : status === "post-failed" ? "error" : "warn", "statistics parser run ended", { ...summary });
    return summary;
  };
  /** Posts what is queued, then ends the run; the next one resumes after the last member posted. */
  const stop = async (status: RunSummary["status"], notBefore?: Date) => finish((await flush()) ? status : "post-failed", notBefore);

  let after = state.after;
  do {
    const page = await d.users.list(PAGE, after);
    for (const item of page.items) {
      const username = typeof item.github_username === "string" ? item.github_username : undefined;
      if (!username) continue;
      if (remaining() < MARGIN_MS) return stop("out-of-time");
      const activity = await d.github.journeyCommits(username, d.repository, since);
      if (activity.kind === "rate-limited") return stop("rate-limited", activity.resumeAt);
      if (activity.kind === "failed") {
        d.log("warn", "GitHub failed; the next run resumes at this member", { github_username: username, why: activity.why });
        return stop("github-failed");
      }
      members++;
      const f = figures(activity);
      if (f) {
        for (const [stat_id, value] of Object.entries(f)) pending.push({ github_username: username, stat_id, value });
      } else {
        d.log("warn", "member skipped", { github_username: username, why: activity.kind === "skipped" ? activity.why : activity.kind });
      }
      if (activity.kind === "commits" && activity.truncated) d.log("warn", "commit count capped at the page limit", { github_username: username, commits: activity.dates.length });
      queuedThrough = username;
      if (pending.length >= BATCH && !(await flush())) return finish("post-failed");
      const exhausted = d.github.exhaustedUntil();
      if (exhausted && exhausted > now()) return stop("rate-limited", exhausted);
    }
    after = page.last;
  } while (after);
  if (!(await flush())) return finish("post-failed");
  committed = undefined; // a whole pass is done: the next run starts a new one
  return finish("complete");
}
