/**
 * `parameter_overrides` and `tags` as the SAM CLI reads them (from samconfig.toml or the command
 * line), so `hdoc pipeline deploy` and `sam deploy` deploy the same values from the same file.
 *
 * parameter_overrides: a string, a list (nested lists flattened) or a table.
 *  - a string holds `ParameterKey=K,ParameterValue=V` pairs separated by spaces (the CloudFormation
 *    CLI's form) or, when it has none, `K=V` pairs; a value is "double quoted", 'single quoted' or
 *    bare (a backslash escapes the next character, so `a\ b` is one value); a key is letters, digits
 *    and quotes. Then one pair of wrapping quotes is removed from each key and value, and `\ `, `\"`
 *    and `\'` are unescaped.
 *  - a table maps keys to values: strings as they are, booleans and numbers as Python prints them
 *    ("True", "1.0"), lists joined with commas.
 * tags: a string or a list of strings; `k=v` (one `=`), `k=v k2=v2` (single spaces), or pairs with
 * quoted keys or values holding spaces (`"a:b"="c d"`), the whole string possibly in quotes.
 *
 * Where the SAM CLI fails, this fails too, with one line naming the file and key. Where it silently
 * skips text (a word without `=` among valid pairs), this says so instead: an error, not a guess.
 */
import { HdocError } from "../../errors.ts";

const KEY = `([A-Za-z0-9"']+)`;
const value = (escape: string, delim?: string) =>
  `("(?:\\\\${escape}|[^"\\\\]+)*"|'(?:\\\\${escape}|[^'\\\\]+)*'${delim === undefined ? "" : `|(?:\\\\${escape}|[^${delim}"\\\\]+)+`})`;
const VALUE = value(".", " ");
const LONG_FORM = new RegExp(`ParameterKey=${KEY},ParameterValue=${VALUE}`, "g");
const SHORT_FORM = new RegExp(` ${KEY}=${VALUE}`, "g");

/** Removes one pair of wrapping quotes, then unescapes `\ `, `\"` and `\'`. */
export function unquoteWrapped(v: string): string {
  let s = v;
  if (s.length >= 2 && s[0] === s.at(-1) && (s[0] === '"' || s[0] === "'")) s = s.slice(1, -1);
  return s.replace(/\\ /g, " ").replace(/\\"/g, '"').replace(/\\'/g, "'");
}

const usage = (where: string, message: string, hint: string) => new HdocError("USAGE", `${where}: ${message}`, hint);
const FORMS = `write ParameterKey=K,ParameterValue=V pairs, or K=V pairs separated by spaces (quote a value with spaces: K="a b")`;

/** Text between matches that is not blank: what the SAM CLI would silently drop. */
function leftover(text: string, re: RegExp): string | undefined {
  const rest = text.replace(re, " ").trim();
  return rest ? rest.split(/\s+/)[0] : undefined;
}

function overridesFromString(text: string, where: string, out: Record<string, string>): void {
  const normalized = ` ${text.trim()}`;
  if (!normalized.trim()) return;
  for (const re of [LONG_FORM, SHORT_FORM]) {
    const matches = [...normalized.matchAll(re)];
    if (!matches.length) continue;
    const left = leftover(normalized, re);
    if (left) throw usage(where, `cannot read ${JSON.stringify(left)} (the SAM CLI would silently ignore it)`, FORMS);
    for (const m of matches) out[m[1]!] = m[2]!;
    return;
  }
  throw usage(where, `${JSON.stringify(text.trim().split(/\s+/)[0])} is not in a form the SAM CLI reads`, FORMS);
}

/** Python's str() of a TOML value (smol-toml with integers as BigInt, so 1 and 1.0 differ as in Python). */
function pythonStr(v: unknown, where: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    return Number.isInteger(v) && Math.abs(v) < 1e16 ? `${v}.0` : String(v);
  }
  throw usage(where, `a value must be a string, number, boolean or list, got ${typeof v === "bigint" ? v.toString() : JSON.stringify(v)}`, FORMS);
}

/** parameter_overrides in every form the SAM CLI accepts. */
export function parseParameterOverrides(input: unknown, where: string): Record<string, string> {
  const raw: Record<string, string> = {};
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v === "string") return overridesFromString(v, where, raw);
    if (typeof v === "object" && v !== null && !(v instanceof Date)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === "$include") throw usage(where, "$include is not supported by hdoc", "list the parameters in samconfig.toml");
        raw[k] = Array.isArray(x) ? x.filter((e) => e !== "").map((e) => pythonStr(e, where).trim()).join(",") : pythonStr(x, where);
      }
      return;
    }
    throw usage(where, `expected a string, a list or a table, got ${typeof v === "bigint" ? v.toString() : JSON.stringify(v)}`, FORMS);
  };
  visit(input);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [unquoteWrapped(k), unquoteWrapped(v)]));
}

const TAG = `[A-Za-z0-9"_:./+-@=]`; // as the SAM CLI writes it, "+-@" is a range: + , - . / 0-9 : ; < = > ? @
const QUOTED_TAG = new RegExp(value(TAG), "g");
const TAG_PAIR = new RegExp(`${value(TAG, " ")}=${value(TAG, " ")}`, "g");

/** `k=v` with exactly one `=`. */
const onePair = (s: string): [string, string] | undefined => (s.split("=").length === 2 ? (s.split("=") as [string, string]) : undefined);

function tagsFromString(text: string, where: string, out: Record<string, string>): void {
  if (text === "") return;
  const add = (k: string, v: string) => { out[unquoteWrapped(k)] = unquoteWrapped(v); };
  const single = onePair(text);
  if (single) return add(...single);
  const bySpace = text.split(" ").map(onePair);
  if (bySpace.every((p) => p)) return bySpace.forEach((p) => add(...p!));
  // Quoted keys or values may hold spaces: hide them, split on whitespace, then put them back.
  let hidden = unquoteWrapped(text);
  const restore = new Map<string, string>();
  for (const q of hidden.match(QUOTED_TAG) ?? []) {
    const masked = q.replace(/ /g, "_");
    restore.set(masked, q);
    hidden = hidden.replace(q, masked);
  }
  const words = hidden.split(/\s+/).filter(Boolean).map(onePair);
  if (words.length && words.every((p) => p)) return words.forEach((p) => add(p![0], restore.get(p![1]) ?? p![1]));
  const pairs = [...text.matchAll(TAG_PAIR)];
  if (!pairs.length) throw usage(where, `${JSON.stringify(text)} is not in a form the SAM CLI reads`, `write key=value pairs separated by spaces (quote one with spaces: "owner:name"="son of anton")`);
  for (const m of pairs) add(m[1]!, m[2]!);
}

/** tags in every form the SAM CLI accepts: a string or a list of strings. */
export function parseTags(input: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  const items = Array.isArray(input) ? input : [input];
  for (const item of items) {
    if (typeof item !== "string") throw usage(where, `expected key=value strings, got ${typeof item === "bigint" ? item.toString() : JSON.stringify(item)}`, "write tags = \"key=value key2=value2\" or a list of \"key=value\" strings");
    tagsFromString(item, where, out);
  }
  return out;
}
