/**
 * What an Articles stream record asks of the tag counts: the article, the record's sequence number
 * and the tags the article has after it (none after a REMOVE). The tags it had before are not taken
 * from the record's OldImage but from what the counter itself counted for the article, so a
 * duplicate, a retry or a late record can never subtract what was not added.
 */
import { createHash } from "node:crypto";
import type { DynamoDBRecord } from "aws-lambda";

export interface ArticleChange {
  articleId: string;
  seq: bigint;
  /** The article's tags after the record: distinct, sorted. */
  tags: string[];
  removed: boolean;
}

type Attr = { S?: string; SS?: string[]; L?: Attr[] } | undefined;

/** The distinct string tags of an image's `tags` (a list, or a string set); anything else counts as none. */
export function tagsOf(image: Record<string, unknown> | undefined): string[] {
  const a = image?.tags as Attr;
  const raw = a?.SS ?? a?.L?.flatMap((x) => (typeof x?.S === "string" ? [x.S] : [])) ?? [];
  return [...new Set(raw.filter((t) => typeof t === "string" && t !== ""))].sort();
}

export function changeOf(record: DynamoDBRecord): ArticleChange | { skip: string } {
  const d = record.dynamodb;
  const articleId = d?.Keys?.article_id?.S;
  const seq = d?.SequenceNumber;
  if (!articleId || !seq || !/^[0-9]{1,64}$/.test(seq)) return { skip: "record has no article_id key or sequence number" };
  if (record.eventName === "REMOVE") return { articleId, seq: BigInt(seq), tags: [], removed: true };
  if (record.eventName !== "INSERT" && record.eventName !== "MODIFY") return { skip: `unknown eventName ${JSON.stringify(record.eventName)}` };
  if (!d?.NewImage) return { skip: "record has no NewImage (the stream needs StreamViewType NEW_IMAGE or NEW_AND_OLD_IMAGES)" };
  return { articleId, seq: BigInt(seq), tags: tagsOf(d.NewImage as Record<string, unknown>), removed: false };
}

/** The tags to add and to take away when an article's counted tags go from `before` to `after`. */
export function difference(before: readonly string[], after: readonly string[]): { add: string[]; remove: string[] } {
  const b = new Set(before), a = new Set(after);
  return { add: [...a].filter((t) => !b.has(t)), remove: [...b].filter((t) => !a.has(t)) };
}

/** Names one article change on the tag items it touches (16 characters, the same on every retry). */
export const tokenOf = (articleId: string, seq: bigint): string =>
  createHash("sha256").update(`${articleId}\n${seq}`).digest("base64url").slice(0, 16);

/** Names the changes of one batch together (the same for the same changes). */
export const chunkOf = (tokens: string[]): string =>
  `b${createHash("sha256").update([...tokens].sort().join("\n")).digest("base64url").slice(0, 15)}`;
