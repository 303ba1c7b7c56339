/**
 * The shared credentials file (~/.aws/credentials), edited surgically: one profile's section is
 * rewritten and every byte outside it stays as it was (comments, order, blank lines, CRLF, other
 * profiles). Writes are atomic (temporary file in the same folder, fsync, rename), keep the file's
 * mode, follow a symlinked file to its target, and hold a lock so two logins cannot interleave.
 *
 * The line model follows the readers that matter: the AWS SDKs (smithy's parseIni: `[name]`
 * headers, `key = value`, `#`/`;` comments) and the AWS CLI v1 (Python configparser: also
 * `key: value`, indented continuation lines, and duplicate sections or keys are errors).
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import { writeFileAtomic } from "../fs/atomic-write.ts";

// ---------------------------------------------------------------------------------------------
// Parsing into lines and sections

type LineKind = "header" | "key" | "continuation" | "comment" | "blank" | "other";

interface Line {
  /** The line including its line ending ("\n", "\r\n" or none on the last line). */
  raw: string;
  kind: LineKind;
  /** Section name for headers; lower-cased key name for key lines. */
  name?: string;
  value?: string;
}

export interface Section {
  name: string;
  /** Index of the header line. */
  start: number;
  /** One past the last line of the section's body (keys, continuations and comments between them). */
  coreEnd: number;
  /** One past the last line before the next header (trailing blank and comment lines included). */
  end: number;
}

const HEADER = /^\[(.*)\]$/;
const KEY = /^([^=:\s[][^=:]*?)\s*[=:](.*)$/;

/** The part of a line before an inline comment, as the AWS SDKs read it. */
const stripComment = (content: string) => content.split(/(?:^|\s)[;#]/)[0]!.trim();

export function splitLines(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

const content = (raw: string) => raw.replace(/\r?\n$/, "");

function classify(lines: string[]): Line[] {
  const out: Line[] = [];
  let inEntry = false;
  for (const raw of lines) {
    const c = content(raw);
    const trimmed = c.trim();
    const header = HEADER.exec(stripComment(c));
    if (trimmed === "") {
      out.push({ raw, kind: "blank" });
      inEntry = false;
    } else if (/^[#;]/.test(trimmed)) {
      out.push({ raw, kind: "comment" });
    } else if (header && !/^\s/.test(c)) {
      out.push({ raw, kind: "header", name: header[1]! });
      inEntry = false;
    } else if (inEntry && /^\s/.test(c)) {
      out.push({ raw, kind: "continuation" });
    } else {
      const key = KEY.exec(trimmed);
      if (key) {
        out.push({ raw, kind: "key", name: key[1]!.trim().toLowerCase(), value: stripComment(key[2]!) });
        inEntry = true;
      } else {
        out.push({ raw, kind: "other" });
        inEntry = false;
      }
    }
  }
  return out;
}

function sectionsOf(lines: Line[]): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  lines.forEach((line, i) => {
    if (line.kind === "header") {
      if (current) sections.push(current);
      current = { name: line.name!, start: i, coreEnd: i + 1, end: i + 1 };
      return;
    }
    if (!current) return;
    current.end = i + 1;
    if (line.kind !== "blank" && line.kind !== "comment") current.coreEnd = i + 1;
  });
  if (current) sections.push(current);
  // Comments between keys belong to the body; only the trailing run of blank/comment lines is the gap.
  return sections;
}

export interface ParsedFile {
  sections: Section[];
  /** Profile name -> keys (lower-cased) -> value; duplicate sections and keys merge, the last one winning (as the SDKs do). */
  profiles: Map<string, Record<string, string>>;
}

export function parseCredentials(text: string): ParsedFile {
  const lines = classify(splitLines(text));
  const sections = sectionsOf(lines);
  const profiles = new Map<string, Record<string, string>>();
  for (const s of sections) {
    const keys = profiles.get(s.name) ?? {};
    for (let i = s.start + 1; i < s.coreEnd; i++) {
      const l = lines[i]!;
      if (l.kind === "key") keys[l.name!] = l.value!;
    }
    profiles.set(s.name, keys);
  }
  return { sections, profiles };
}

// ---------------------------------------------------------------------------------------------
// The surgical edit

const SAFE_KEY = /^[a-z][a-z0-9_]*$/;

/**
 * Returns `text` with profile `name` holding `values`. Only the profile's section changes:
 * - an existing key is replaced where it stands (its continuation lines and any repeat of it in
 *   the section go), other keys and comments in the section stay, missing keys are appended after
 *   the section's last key (before the blank lines and comments that precede the next profile);
 * - duplicate sections of the profile (which the AWS CLI refuses to read) are merged into the first
 *   one: their other keys and comments move there, their own headers go, the gaps after them stay;
 * - a missing profile is appended at the end, after a blank line, using the file's line ending.
 */
export function setProfile(text: string, name: string, values: Array<[string, string]>): string {
  if (!name || /[\r\n[\]]/.test(name) || name.trim() !== name) throw new HdocError("USAGE", `invalid profile name ${JSON.stringify(name)}`);
  for (const [k, v] of values) {
    if (!SAFE_KEY.test(k) || /[\r\n]/.test(v)) throw new HdocError("INTERNAL", `refusing to write key ${JSON.stringify(k)}: not a plain key/value`);
  }
  const eol = /\r\n/.test(text.slice(0, (text.indexOf("\n") + 1) || undefined)) ? "\r\n" : "\n";
  const withEol = (raw: string) => (/\n$/.test(raw) ? raw : raw + eol);
  const entry = (k: string, v: string) => `${k} = ${v}${eol}`;
  const lines = classify(splitLines(text));
  const targets = sectionsOf(lines).filter((s) => s.name === name);

  if (targets.length === 0) {
    let out = text;
    if (out !== "" && !out.endsWith("\n")) out += eol;
    const last = lines[lines.length - 1];
    if (last && last.kind !== "blank") out += eol;
    return out + `[${name}]${eol}` + values.map(([k, v]) => entry(k, v)).join("");
  }

  const wanted = new Map(values.map(([k, v]) => [k, v]));
  const written = new Set<string>();
  const [first, ...duplicates] = targets as [Section, ...Section[]];

  /** The body lines of a section with our keys replaced (first time) or dropped (repeats). */
  const body = (s: Section): string[] => {
    const kept: string[] = [];
    let dropping = false;
    // An indented line before the first key or blank line of a duplicate section continues nothing
    // there; moved under the first section it would continue the key before it, so it goes with
    // the duplicate's header (comments do not end a continuation, so they do not end this either).
    let orphan = s !== first;
    for (let i = s.start + 1; i < s.coreEnd; i++) {
      let l = lines[i]!;
      if (orphan && /^\s/.test(l.raw)) {
        if (l.kind === "other") continue;
        // an indented key there is a key; moved, its indent would make it a continuation
        if (l.kind === "key") l = { ...l, raw: l.raw.trimStart() };
      }
      if (l.kind === "key" || l.kind === "blank") orphan = false;
      if (l.kind === "continuation") {
        if (!dropping) kept.push(withEol(l.raw));
        continue;
      }
      dropping = false;
      if (l.kind === "key" && wanted.has(l.name!)) {
        dropping = true;
        if (!written.has(l.name!)) {
          written.add(l.name!);
          kept.push(entry(l.name!, wanted.get(l.name!)!));
        }
        continue;
      }
      kept.push(withEol(l.raw));
    }
    return kept;
  };

  const merged = [withEol(lines[first.start]!.raw), ...body(first), ...duplicates.flatMap(body)];
  for (const [k, v] of values) if (!written.has(k)) merged.push(entry(k, v));
  // Keep a missing final line ending missing when the section ends the file and nothing follows it.
  const replaced = new Map<number, { until: number; lines: string[] }>();
  replaced.set(first.start, { until: first.coreEnd, lines: merged });
  for (const d of duplicates) replaced.set(d.start, { until: d.coreEnd, lines: [] });

  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    const r = replaced.get(i);
    if (r) {
      out.push(...r.lines);
      i = r.until;
    } else {
      out.push(lines[i]!.raw);
      i++;
    }
  }
  return out.join("");
}

// ---------------------------------------------------------------------------------------------
// The file on disk

/** ~/.aws/credentials, or AWS_SHARED_CREDENTIALS_FILE (a leading `~/` means the home folder, as in the SDKs). */
export function credentialsFilePath(env: NodeJS.ProcessEnv, home: string): string {
  const p = env.AWS_SHARED_CREDENTIALS_FILE;
  if (!p) return path.join(home, ".aws", "credentials");
  return path.resolve(p.startsWith("~/") ? path.join(home, p.slice(2)) : p);
}

/** Follows symlinks (also dangling ones) to the file that really holds the data. */
export async function resolveLinks(file: string): Promise<string> {
  let p = path.resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = await fs.lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return p;
      throw e;
    }
    if (!st.isSymbolicLink()) return p;
    p = path.resolve(path.dirname(p), await fs.readlink(p));
  }
  throw new HdocError("FAILED", `${file}: too many levels of symbolic links`);
}

export async function readCredentialsFile(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError(e, file, "read");
  }
}

function fileError(e: unknown, file: string, what: string): HdocError {
  if (e instanceof HdocError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? "error";
  return new HdocError("FAILED", `cannot ${what} ${file} (${code})`, code === "EACCES" || code === "EPERM" ? "check the file's and its folder's owner and permissions" : undefined, { cause: e });
}

export interface UpdateResult {
  /** The file that was written (the symlink's target when the path is a link). */
  realPath: string;
  created: boolean;
  /** Permission bits of the file after the write. */
  mode: number;
}

export interface UpdateOptions {
  /** How long to wait for another hdoc holding the lock, in ms (default 10 s). */
  lockWaitMs?: number;
}

/**
 * Applies `edit` to the file's text under a lock and replaces the file atomically. When `edit`
 * throws, or anything fails, the file is left as it was. A missing file is created with mode 0600
 * (its missing folders with 0700); an existing file keeps its mode.
 */
export async function updateCredentialsFile(file: string, edit: (current: string) => string, opts: UpdateOptions = {}): Promise<UpdateResult> {
  const realPath = await resolveLinks(file);
  const dir = path.dirname(realPath);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw fileError(e, dir, "create the folder");
  }
  const wait = opts.lockWaitMs ?? 10_000;
  let release: () => Promise<void>;
  try {
    // loaded only to write: reading the file (`mfa status`) needs no lock
    const { default: lockfile } = await import("proper-lockfile");
    release = await lockfile.lock(realPath, {
      realpath: false,
      stale: 10_000,
      update: 2_000,
      retries: { retries: Math.max(1, Math.ceil(wait / 100)), factor: 1, minTimeout: 100, maxTimeout: 100 },
      onCompromised: () => undefined,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOCKED") {
      throw new HdocError("FAILED", `${realPath} is locked by another hdoc process`, `wait for it to finish; if none is running, remove ${realPath}.lock`, { cause: e });
    }
    throw fileError(e, realPath, "lock");
  }
  try {
    const current = await readCredentialsFile(realPath);
    const st = current === undefined ? undefined : await fs.stat(realPath);
    const next = edit(current ?? "");
    const mode = st ? st.mode & 0o7777 : 0o600;
    await writeFileAtomic(realPath, next, { mode, ...(st ? { owner: { uid: st.uid, gid: st.gid } } : {}) });
    return { realPath, created: !st, mode };
  } catch (e) {
    throw fileError(e, realPath, "write");
  } finally {
    await release().catch(() => undefined);
  }
}
