/**
 * GET /tags: the tags used by articles with how many articles use each, most used first (ties by
 * tag), `limit` (1-200, default 50) at a time with an opaque `nextToken`. Reads the counts the tag
 * counter keeps (a Query of one index page), never the articles, so its cost does not grow with them.
 */
import { containerHandler, httpHandler, respond, type ApiHandler } from "@hdoc/shared/http";
import { documentClient } from "@hdoc/shared/dynamo";
import { requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { dynamoTagBoard, tagOfRank, type TagBoard } from "@hdoc/shared/tags";
import { encodeOpaqueToken, limit, opaqueToken } from "@hdoc/shared/validation";

export interface Deps {
  board: TagBoard;
  log: Logger;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

/** A recount from the articles themselves: a tag counted once per article, most used first, ties by tag. */
export function countTags(perArticle: string[][]): Array<{ tag: string; count: number }> {
  const counts = new Map<string, number>();
  for (const tags of perArticle) for (const t of new Set(tags)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

/** The opaque token: base64url of {"r": <rank of the last tag shown>}. */
export const encodeTagToken = (rank: string): string => encodeOpaqueToken("r", rank);
export const tagToken = (v: unknown): string | undefined => opaqueToken(v, "r", (r) => tagOfRank(r) !== undefined);

export function createHandler(deps: Deps): ApiHandler {
  return httpHandler("list-tags", deps.log, async (req) => {
    const page = await deps.board.page(limit(req.query("limit"), DEFAULT_LIMIT, MAX_LIMIT), tagToken(req.query("nextToken")));
    const body: Record<string, unknown> = { tags: page.tags };
    if (page.last) body.nextToken = encodeTagToken(page.last);
    return respond(200, body, req.requestId);
  });
}

export const handler = containerHandler("list-tags", jsonLogger, () =>
  createHandler({ board: dynamoTagBoard(documentClient(), requireEnv("TAGS_TABLE")), log: jsonLogger }),
);
