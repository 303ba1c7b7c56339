/**
 * The AWS shared files (~/.aws/credentials and ~/.aws/config) as bytes: which lines are headers,
 * keys, continuations and comments, which profiles they hold, what the AWS CLI would refuse, and the
 * surgical edit that rewrites one profile's section and leaves every other byte as it was.
 *
 * The file is decoded 1:1 (latin1: one character per byte), so a byte of any encoding survives the
 * edit; names and values are decoded as UTF-8 only when they are handed out. The line model follows
 * the readers that matter, as the cross-SDK profile-file cases and botocore's configparser do:
 * - a header is `[name]`, optionally followed by a comment, even one touching the `]`
 *   (`[mfa]; note`, `[mfa]# note`): configparser's rule, `\[(.+)\]` at the start of the stripped line,
 *   the name running to the last `]`; a UTF-8 byte-order mark before the first line is not part of it;
 * - a key is `name = value` (or `name: value`, the AWS CLI's configparser), its name matched
 *   case-insensitively (configparser lower-cases option names); a value's comment needs a space
 *   before `#`/`;`;
 * - a line indented deeper than the key before it continues that key, across blank and comment
 *   lines, until a line that is not indented deeper (configparser's rule).
 */

import { HdocError } from "../../errors.ts";
import { firstNonUtf8 } from "../fs/utf8.ts";

type LineKind = "header" | "key" | "continuation" | "comment" | "blank" | "other";

interface Line {
  /** The line's bytes including its line ending ("\n", "\r\n" or none on the last line). */
  raw: string;
  kind: LineKind;
  /** Section name for headers; lower-cased key name for key lines (both as bytes). */
  name?: string;
  value?: string;
  /** Leading whitespace of a key line. */
  indent?: string;
  /** A key line before any header. */
  orphan?: boolean;
}

export interface Section {
  /** The name between the brackets, as bytes. */
  name: string;
  /** Index of the header line. */
  start: number;
  /** One past the last line of the section's body (keys, continuations and comments between them). */
  coreEnd: number;
  /** One past the last line before the next header (trailing blank and comment lines included). */
  end: number;
}

export type FileKind = "credentials" | "config";

const BOM = "\xEF\xBB\xBF";
/** configparser's rule (matched at the start): what follows the last `]` is ignored, so a comment may touch it. */
const HEADER = /^\[(.+)\]/;
const KEY = /^([^=:]*[^=:\s])\s*[=:](.*)$/;
const SPACE = /^[ \t\v\f\r]*/;

const trim = (s: string) => s.replace(/^[ \t\v\f\r]+|[ \t\v\f\r]+$/g, "");
/** The part of a value before its comment, as the SDKs read it (`#`/`;` after whitespace). */
const stripComment = (value: string) => trim(value.split(/(?:^|[ \t])[;#]/)[0]!);

/** Bytes as a string of one character per byte, and back. */
export const asByteString = (data: Uint8Array | string): string => (typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data)).toString("latin1");
export const fromByteString = (s: string): Buffer => Buffer.from(s, "latin1");
/** A UTF-8 name or value in the file's byte form, and back. */
const toBytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");
const toText = (bytes: string) => Buffer.from(bytes, "latin1").toString("utf8");

const splitLines = (text: string): string[] => (text === "" ? [] : text.split(/(?<=\n)/));
const content = (raw: string) => raw.replace(/\r?\n$/, "");

function classify(text: string): Line[] {
  const out: Line[] = [];
  let keyIndent: number | undefined;
  let inSection = false;
  splitLines(text).forEach((raw, i) => {
    const c = i === 0 && raw.startsWith(BOM) ? content(raw).slice(BOM.length) : content(raw);
    const t = trim(c);
    const indent = SPACE.exec(c)![0];
    if (t === "") return out.push({ raw, kind: "blank" });
    if (t.startsWith("#") || t.startsWith(";")) return out.push({ raw, kind: "comment" });
    if (keyIndent !== undefined && indent.length > keyIndent) return out.push({ raw, kind: "continuation" });
    const header = HEADER.exec(t);
    if (header) {
      keyIndent = undefined;
      inSection = true;
      return out.push({ raw, kind: "header", name: header[1]! });
    }
    const key = KEY.exec(t);
    if (key) {
      keyIndent = indent.length;
      return out.push({ raw, kind: "key", name: trim(key[1]!).toLowerCase(), value: stripComment(key[2]!), indent, ...(inSection ? {} : { orphan: true }) });
    }
    keyIndent = undefined;
    return out.push({ raw, kind: "other" });
  });
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
    // comments between keys belong to the body; only the trailing run of blank/comment lines is the gap
    if (line.kind !== "blank" && line.kind !== "comment") current.coreEnd = i + 1;
  });
  if (current) sections.push(current);
  return sections;
}

/**
 * The profile a section holds: in the credentials file the section name itself; in the config file
 * `[default]` or `[profile NAME]` (other sections, such as `[sso-session x]`, are no profiles).
 */
export function profileOfSection(section: string, kind: FileKind): string | undefined {
  if (kind === "credentials") return section;
  if (section === "default") return section;
  return /^profile[ \t]+(.*?)[ \t]*$/.exec(section)?.[1] || undefined;
}

const sectionFor = (name: string, kind: FileKind) => (kind === "config" && name !== "default" ? `profile ${name}` : name);

export interface ParsedFile {
  /** Profile name -> keys (lower-cased) -> value; duplicate sections and keys merge, the last one winning (as the SDKs do). */
  profiles: Map<string, Record<string, string>>;
}

export function parseProfileFile(data: Uint8Array | string, kind: FileKind = "credentials"): ParsedFile {
  const lines = classify(asByteString(data));
  const profiles = new Map<string, Record<string, string>>();
  for (const s of sectionsOf(lines)) {
    const name = profileOfSection(s.name, kind);
    if (name === undefined) continue;
    const keys = profiles.get(toText(name)) ?? {};
    let last: string | undefined;
    for (let i = s.start + 1; i < s.coreEnd; i++) {
      const l = lines[i]!;
      if (l.kind === "key") keys[(last = toText(l.name!))] = toText(l.value!);
      // a continuation adds a line to the value, as the SDKs join them
      else if (l.kind === "continuation" && last !== undefined) keys[last] += "\n" + toText(trim(content(l.raw)));
      else if (l.kind === "other") last = undefined;
    }
    profiles.set(toText(name), keys);
  }
  return { profiles };
}

/** The first thing in the file that the AWS CLI (botocore's configparser) refuses to read, with its line. */
export function cliProblem(data: Uint8Array | string): string | undefined {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const text = asByteString(bytes);
  if (text.startsWith(BOM)) return "it starts with a byte-order mark (line 1)";
  const notUtf8 = firstNonUtf8(bytes);
  if (notUtf8) return notUtf8.bom ? `it is ${notUtf8.bom}, not UTF-8 (its byte-order mark, line 1)` : `it holds bytes that are not UTF-8 (line ${notUtf8.line})`;
  const lines = classify(text);
  const seen = new Set<string>();
  let keys = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const where = `(line ${i + 1})`;
    if (l.kind === "header") {
      if (seen.has(l.name!)) return `section [${toText(l.name!)}] appears twice ${where}`;
      seen.add(l.name!);
      keys = new Set();
    } else if (l.kind === "key") {
      if (l.orphan) return `a key comes before any [section] header ${where}`;
      if (keys.has(l.name!)) return `key ${toText(l.name!)} appears twice in one section ${where}`;
      keys.add(l.name!);
    } else if (l.kind === "other" || (l.kind === "continuation" && seen.size === 0)) {
      return `a line is neither a [section], a key = value nor a comment ${where}`;
    }
  }
  return undefined;
}


const SAFE_KEY = /^[a-z][a-z0-9_]*$/;

/** Why a profile name cannot be written as a section header, or undefined when it can. */
export function invalidProfileName(name: string): string | undefined {
  if (!name || /[\r\n[\]]/.test(name) || name.trim() !== name) return `invalid profile name ${JSON.stringify(name)}`;
  return undefined;
}

/**
 * Returns the file with profile `name` holding `values`. Only the profile's section changes:
 * - an existing key is replaced where it stands (its continuation lines and any repeat of it in the
 *   section go), other keys and comments in the section stay, missing keys are appended after the
 *   section's last line that is not blank or a comment (before the gap that precedes the next header);
 * - duplicate sections of the profile (which the AWS CLI refuses to read) are merged into the first
 *   one: their other keys and comments move there, their own headers go, the gaps after them stay;
 * - a missing profile is appended at the end, after a blank line, using the file's line ending.
 */
export function setProfile(data: Uint8Array | string, name: string, values: Array<[string, string]>, kind: FileKind = "credentials"): Buffer {
  const invalid = invalidProfileName(name);
  if (invalid) throw new HdocError("USAGE", invalid);
  for (const [k, v] of values) {
    if (!SAFE_KEY.test(k) || /[\r\n]/.test(v)) throw new HdocError("INTERNAL", `refusing to write key ${JSON.stringify(k)}: not a plain key/value`);
  }
  const text = asByteString(data);
  // The file's line ending is its first line's. A file without any "\n" that ends in "\r" gets CRLF: the
  // "\n" added after that "\r" makes its first line end in CRLF, and a second edit must see the same.
  const firstEnd = text.indexOf("\n");
  const eol = (firstEnd === -1 ? text.endsWith("\r") : text[firstEnd - 1] === "\r") ? "\r\n" : "\n";
  /** A line with its line ending; a last line without one gets it (only the "\n" when it ends in "\r" and the file is CRLF). */
  const withEol = (raw: string) => (raw.endsWith("\n") ? raw : raw + (eol === "\r\n" && raw.endsWith("\r") ? "\n" : eol));
  const entry = (k: string, v: string, indent = "") => `${indent}${k} = ${toBytes(v)}${eol}`;
  const lines = classify(text);
  const targets = sectionsOf(lines).filter((s) => profileOfSection(s.name, kind) === toBytes(name));

  if (targets.length === 0) {
    let out = text;
    if (out !== "") out = withEol(out);
    const last = lines[lines.length - 1];
    if (last && last.kind !== "blank") out += eol;
    return fromByteString(out + `[${toBytes(sectionFor(name, kind))}]${eol}` + values.map(([k, v]) => entry(k, v)).join(""));
  }

  const wanted = new Map(values);
  const written = new Set<string>();
  const [first, ...duplicates] = targets as [Section, ...Section[]];

  /** The body lines of a section with our keys replaced (first time) or dropped (repeats). */
  const body = (s: Section): string[] => {
    const kept: string[] = [];
    const moved = s !== first;
    let dropping = false;
    for (let i = s.start + 1; i < s.coreEnd; i++) {
      const l = lines[i]!;
      if (l.kind === "continuation") {
        if (!dropping) kept.push(withEol(l.raw));
        continue;
      }
      // blank and comment lines do not end a key's continuation lines, so they do not end dropping them
      if (l.kind === "blank" || l.kind === "comment") {
        kept.push(withEol(l.raw));
        continue;
      }
      dropping = false;
      if (l.kind === "key" && wanted.has(l.name!)) {
        dropping = true;
        if (!written.has(l.name!)) {
          written.add(l.name!);
          kept.push(entry(l.name!, wanted.get(l.name!)!, moved ? "" : l.indent));
        }
        continue;
      }
      if (moved && /^[ \t]/.test(l.raw)) {
        // under the first section an indented line could continue the key before it: a key loses its
        // indent (it stays the same key), anything else indented was never readable and goes
        if (l.kind === "key") kept.push(withEol(l.raw.replace(SPACE, "")));
        continue;
      }
      kept.push(withEol(l.raw));
    }
    return kept;
  };

  const merged = [withEol(lines[first.start]!.raw), ...body(first), ...duplicates.flatMap(body)];
  for (const [k, v] of values) if (!written.has(k)) merged.push(entry(k, v));
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
  return fromByteString(out.join(""));
}
