/**
 * Input validation for every function, in one place. Each validator returns the clean value or
 * throws a ValidationError naming the field; the HTTP wrapper turns it into a 400 and the Cognito
 * trigger into a failed confirmation.
 */
export class ValidationError extends Error {
  constructor(readonly field: string, readonly code: "MISSING_FIELD" | "INVALID_FIELD", message: string) {
    super(message);
  }
}

const missing = (field: string) => new ValidationError(field, "MISSING_FIELD", `${field} is required`);
const invalid = (field: string, why: string) => new ValidationError(field, "INVALID_FIELD", `${field} ${why}`);

/** GitHub's rules: 1-39 characters, letters, digits and single hyphens, no hyphen first or last. */
const GITHUB_USERNAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TAG = /^[a-z0-9][a-z0-9-]{0,29}$/;

function str(v: unknown, field: string): string {
  if (v === undefined || v === null || v === "") throw missing(field);
  if (typeof v !== "string") throw invalid(field, "must be a string");
  return v;
}

/** A GitHub username, lower-cased (GitHub names are case-insensitive; the table key is lower case). */
export function githubUsername(v: unknown, field = "github_username"): string {
  const s = str(v, field);
  if (!GITHUB_USERNAME.test(s)) {
    throw invalid(field, "must be 1-39 letters, digits or single hyphens, not starting or ending with a hyphen");
  }
  return s.toLowerCase();
}

export function email(v: unknown, field = "email"): string {
  const s = str(v, field).trim();
  if (s.length > 254 || !EMAIL.test(s)) throw invalid(field, "must be an email address");
  return s.toLowerCase();
}

function text(v: unknown, field: string, max: number): string {
  const s = str(v, field).trim();
  if (!s) throw missing(field);
  if (s.length > max) throw invalid(field, `must be at most ${max} characters`);
  if (CONTROL.test(s)) throw invalid(field, "must not contain control characters");
  return s;
}

export interface NewUser {
  github_username: string;
  email: string;
  name: string;
}

/** A member's display name: 1-100 characters, no control characters. */
export const displayName = (v: unknown, field = "name"): string => text(v, field, 100);

/** The sign-up document (the ID token's claims, or the Cognito user attributes). */
export function signup(body: Record<string, unknown>): NewUser {
  return { github_username: githubUsername(body.github_username), email: email(body.email), name: displayName(body.name) };
}

export interface NewArticle {
  title: string;
  url: string;
  description?: string;
  tags: string[];
}

export function article(body: Record<string, unknown>): NewArticle {
  const title = text(body.title, "title", 200);
  const url = str(body.url, "url");
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || url.length > 2048) throw invalid("url", "must be an http(s) URL of at most 2048 characters");
  const out: NewArticle = { title, url, tags: tags(body.tags) };
  if (body.description !== undefined && body.description !== null) out.description = text(body.description, "description", 1000);
  return out;
}

function tags(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid("tags", "must be a list of strings");
  if (v.length > 10) throw invalid("tags", "must have at most 10 entries");
  const out = new Set<string>();
  for (const t of v) {
    if (typeof t !== "string" || !TAG.test(t.toLowerCase())) throw invalid("tags", "entries must be 1-30 letters, digits or hyphens");
    out.add(t.toLowerCase());
  }
  return [...out];
}

export function articleId(v: unknown): string {
  const s = str(v, "articleId").toLowerCase();
  if (!UUID.test(s)) throw invalid("articleId", "must be a UUID");
  return s;
}

/** Page size: 1-`max` (100 unless given), default `fallback` (20). */
export function limit(v: unknown, fallback = 20, max = 100): number {
  if (v === undefined || v === null || v === "") return fallback;
  if (typeof v !== "string" || !/^[0-9]{1,4}$/.test(v)) throw invalid("limit", `must be a whole number from 1 to ${max}`);
  const n = Number(v);
  if (n < 1 || n > max) throw invalid("limit", `must be a whole number from 1 to ${max}`);
  return n;
}

/** An opaque page token: base64url of {"<key>": "<value>"}. */
export const encodeOpaqueToken = (key: string, value: string): string => Buffer.from(JSON.stringify({ [key]: value }), "utf8").toString("base64url");

/** The value of a token made by encodeOpaqueToken(key, ...) when `valid` accepts it; a 400 on nextToken otherwise. */
export function opaqueToken(v: unknown, key: string, valid: (value: string) => boolean): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const bad = () => invalid("nextToken", "is not a token returned by this API");
  if (typeof v !== "string" || v.length > 300 || !/^[A-Za-z0-9_-]+$/.test(v)) throw bad();
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(v, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  const value = typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>)[key] : undefined;
  if (typeof value !== "string" || !valid(value)) throw bad();
  return value;
}

/** The users page token: base64url of {"u": <last username>}. */
export const encodePageToken = (lastUsername: string): string => encodeOpaqueToken("u", lastUsername);

export const pageToken = (v: unknown): string | undefined => opaqueToken(v, "u", (u) => GITHUB_USERNAME.test(u))?.toLowerCase();
