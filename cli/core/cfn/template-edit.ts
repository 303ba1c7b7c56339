/**
 * Writing a template by editing its text in place (`hdoc build`'s templates, and `hdoc deploy`'s
 * packaged ones): only the values hdoc changes (CodeUri, Code, Location, TemplateURL, DefinitionUri,
 * ContentUri, an AWS::Include Location...) are replaced or inserted; every other byte keeps its source form (quotes, `3.0`, `yes`, comments, key order,
 * indentation), so the SAM CLI and CloudFormation read back exactly the values they read before.
 *
 * New values are written as JSON strings (`"./x"`), which YAML and JSON read alike. Where things are
 * written comes from the events the reader parsed (yaml-located.ts), found only when an edit needs
 * them. After editing, the text is read again and compared with the intended values: a mismatch is
 * a bug and fails loudly instead of writing a template that means something else.
 *
 * One kind of edit is checked where it is made instead (a build's templates are nearly all of this
 * kind, and reading them again was half of rendering them): a scalar value written on its key's line
 * as plain text of path characters or a quoted string of them (with an optional tag or anchor),
 * followed on that line by nothing, a comment or the end of its flow collection, replaced by a JSON
 * string of printable ASCII, in a YAML document without aliases. Such a slice holds one scalar and no
 * structure, the string means to YAML what it means to JSON in block and flow context alike, and
 * without aliases no other place can refer to the replaced node or to one of its ancestors; so the
 * edited text reads back as the old values with this one value set. Any other edit (an insertion, a
 * flow or block collection replaced, a value over several lines, a JSON template...) makes the whole
 * text be read again.
 */
import { isObj, type Json, type TemplateBody } from "./json.ts";
import { parseTemplate, readTemplate, yamlEvents, type ReadTemplate } from "./template-yaml.ts";
import { customTag, locate, type LocatedMap, type LocatedNode, type LocatedPair } from "./yaml-located.ts";
import { EVENT_ID, type Event } from "js-yaml";

type Key = string | number;
interface Splice { start: number; end: number; text: string }
/** An edit's splice and how its text is made from a value's JSON (to write it again when that value grows). */
interface Written { splice: Splice; render: (json: string) => string }

/** A map of the document found by its logical path, with that path. */
export interface MapAt { node: LocatedMap; path: Key[] }

/** Each mapping's pairs by key text (the first of equal keys, as a linear search finds it), built on first use: templates hold hundreds of resources. */
const pairIndex = new WeakMap<LocatedMap, Map<string, LocatedPair>>();
function pairOf(map: LocatedMap, key: string): LocatedPair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) if (p.key.kind === "scalar" && !index.has(p.key.text)) index.set(p.key.text, p);
    pairIndex.set(map, index);
  }
  return index.get(key);
}
const fnName = (name: string) => (name === "Ref" || name === "Condition" ? name : `Fn::${name}`);

/** Path characters: what a plain or quoted scalar may hold for its replacement to be checked where it is made. */
const PATH_TEXT = String.raw`[A-Za-z0-9_./~@+=-]`;
/** What follows a key's `:` up to the end of a value that can be replaced in place: blanks, up to two properties (tag, anchor), one scalar of path characters. */
const LOCAL_VALUE = new RegExp(String.raw`^[ \t]+(?:[!&][^\s,\[\]{}"'#]*[ \t]+){0,2}(?:${PATH_TEXT}+|"${PATH_TEXT}*"|'${PATH_TEXT}*')$`);
/** What may follow such a value on its line: in a block mapping, blanks and a comment; in a flow mapping, also the next entry or the closing bracket. */
const BLOCK_REST = /^(?:[ \t]+#[^\r\n]*)?[ \t]*(?:\r?\n|$)/;
const FLOW_REST = /^[ \t]*(?:[,}\]]|\r?\n|$)|^[ \t]+#/;
/** A JSON string that YAML reads as the same text in any context: printable ASCII only (JSON's escapes are YAML's). */
const PORTABLE_JSON_STRING = /^"[\x20-\x7e]*"$/;

/** Deep equality of parsed values (key order aside; NaN equals NaN). */
export function sameValue(a: Json | undefined, b: Json | undefined): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isObj(a) || isObj(b)) {
    if (!isObj(a) || !isObj(b)) return false;
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && sameValue(a[k], b[k]));
  }
  return a === b;
}

export class TemplateEditor {
  private located?: { root: LocatedNode | undefined };
  private readonly events: Event[] | undefined;
  private readonly splices: Splice[] = [];
  /** Flow mappings this editor wrote where none was, by their logical path (JSON of the keys). */
  private readonly written = new Map<string, Written & { value: { [k: string]: Json } }>();
  private readonly expected: TemplateBody;
  /** Whether every edit so far is one checked where it was made (see the module comment). */
  private localOnly = true;

  /**
   * `read` is what a reader already made of this text (discovery parses every template once; the
   * editor reuses its events instead of parsing again); it is used only when its text is `text`.
   */
  constructor(private readonly text: string, private readonly file: string, read?: ReadTemplate) {
    const r = read?.text === text ? read : readTemplate(text, file);
    this.events = r.events;
    this.expected = structuredClone(r.body);
  }

  /** The document's nodes with their places in the text, found on first use (JSON text is parsed as the YAML it also is). */
  private get root(): LocatedNode | undefined {
    this.located ??= { root: locate(this.events ?? yamlEvents(this.text, this.file), this.text) };
    return this.located.root;
  }

  /** The template's values (as read, before edits). */
  get body(): TemplateBody {
    return this.expected;
  }

  /** The mapping at a path of keys from the root (through short-form tags), if it is written as one. */
  mapAt(keys: string[]): MapAt | undefined {
    let node = this.root;
    const logical: Key[] = [];
    for (const k of keys) {
      if (node?.kind !== "map" || customTag(node)) return undefined;
      const pair = pairOf(node, k);
      if (!pair) return undefined;
      node = pair.value;
      logical.push(k);
    }
    return node?.kind === "map" && !customTag(node) ? { node, path: logical } : undefined;
  }

  /** Sets `key` of the mapping at `at` to a string: replaces the value where the key is written, else inserts the key. */
  setString(at: MapAt, key: string, value: string): void {
    this.setValue(at, key, value);
  }

  /** Sets `key` of the mapping at `at` to a value written as JSON (`{"S3Bucket": "b", "S3Key": "k"}` is a flow mapping to YAML). */
  setValue(at: MapAt, key: string, value: Json): void {
    const pair = pairOf(at.node, key);
    const text = JSON.stringify(value);
    if (pair) {
      const { splice } = this.replaceValue(pair, text);
      if (!this.replacedInPlace(pair, splice, at.node.flow, text)) this.localOnly = false;
    } else this.insertPair(at.node, key, text);
    this.setExpected([...at.path, key], value);
  }

  /** Sets a string at a path below the mapping at `keys`, creating the missing mappings (`Properties`) as flow maps. */
  setPath(keys: string[], key: string, value: string): void {
    // below a mapping this editor wrote itself (a second edit under a Properties it had to add): its text is written again
    for (let j = keys.length; j >= 1; j--) {
      const w = this.written.get(JSON.stringify(keys.slice(0, j)));
      if (!w) continue;
      let node = w.value;
      for (const k of keys.slice(j)) {
        const next = node[k];
        node = isObj(next) ? next : (node[k] = {});
      }
      node[key] = value;
      w.splice.text = w.render(JSON.stringify(w.value));
      return;
    }
    for (let i = keys.length; i >= 0; i--) {
      const at = this.mapAt(keys.slice(0, i));
      if (!at) continue;
      if (i === keys.length) return this.setString(at, key, value);
      // keys[i..] are missing (or not mappings): write them as one flow value under keys[i].
      let inner: Json = { [key]: value };
      for (const k of keys.slice(i + 1).reverse()) inner = { [k]: inner };
      const pair = pairOf(at.node, keys[i]!);
      if (pair && !(pair.value.kind === "scalar" && !customTag(pair.value) && pair.value.text === "")) {
        throw new Error(`${this.file}: cannot rewrite ${[...keys, key].join(".")}: ${keys.slice(0, i + 1).join(".")} is not a mapping hdoc can edit`);
      }
      this.localOnly = false; // a mapping written where there was none: later edits below it rewrite it
      const written = pair ? this.replaceValue(pair, JSON.stringify(inner)) : this.insertPair(at.node, keys[i]!, JSON.stringify(inner));
      this.setExpected([...at.path, keys[i]!], inner);
      this.written.set(JSON.stringify(keys.slice(0, i + 1)), { ...written, value: inner as { [k: string]: Json } });
      return;
    }
    throw new Error(`${this.file}: the template is not a mapping`);
  }

  /**
   * The Parameters mapping of every `AWS::Include` transform, in the long (`Fn::Transform:`) or the
   * short (`!Transform`) form, wherever it is (inside lists and other intrinsics too), with its Location as read.
   */
  includes(): Array<{ at: MapAt; location: Json | undefined }> {
    if (!JSON.stringify(this.expected).includes('"AWS::Include"')) return [];
    return this.maps().flatMap((m) => {
      if (m.path.at(-1) !== "Parameters" || m.path.at(-2) !== "Fn::Transform") return [];
      let t: Json | undefined = this.expected;
      for (const k of m.path.slice(0, -1)) t = Array.isArray(t) ? t[k as number] : isObj(t) ? t[k as string] : undefined;
      return isObj(t) && t.Name === "AWS::Include" && isObj(t.Parameters) ? [{ at: m, location: t.Parameters.Location }] : [];
    });
  }

  /** Every mapping written in the document (not through aliases or merge keys), with its logical path. */
  maps(): MapAt[] {
    const out: MapAt[] = [];
    const walk = (n: LocatedNode | undefined, p: Key[]) => {
      const tag = customTag(n);
      const here = tag ? [...p, fnName(tag)] : p;
      if (n?.kind === "map") {
        if (!tag) out.push({ node: n, path: here });
        for (const pair of n.items) {
          const k = pair.key;
          if (k.kind === "scalar" && !(k.plain && k.tag === undefined && k.text === "<<")) walk(pair.value, [...here, k.text]);
        }
      } else if (n?.kind === "seq") n.items.forEach((x, i) => walk(x, [...here, i]));
    };
    walk(this.root, []);
    return out;
  }

  /** How the last toString() checked the edited text: each edit where it was made, or the whole text read again. */
  readBack?: "local" | "parsed";

  /** Whether a replacement is of the kind checked where it is made (see the module comment). */
  private replacedInPlace(pair: LocatedPair, splice: Splice, flow: boolean, json: string): boolean {
    if (pair.value.kind !== "scalar" || pair.value.end !== splice.end || pair.key.end === undefined || !PORTABLE_JSON_STRING.test(json)) return false;
    const between = this.text.slice(pair.key.end, splice.start - 1);
    if (this.text[splice.start - 1] !== ":" || !/^[ \t]*$/.test(between)) return false;
    if (!LOCAL_VALUE.test(this.text.slice(splice.start, splice.end))) return false;
    return (flow ? FLOW_REST : BLOCK_REST).test(this.text.slice(splice.end));
  }

  /** The edited text, checked against the intended values. */
  toString(): string {
    if (this.splices.length === 0) return this.text;
    // In text order (insertions at one place in the order they were made), each piece once.
    const sorted = this.splices.map((s, i) => ({ ...s, i })).sort((a, b) => a.start - b.start || b.i - a.i);
    const parts: string[] = [];
    let at = 0;
    for (const s of sorted) {
      if (s.start < at) throw new Error(`${this.file}: overlapping edits`);
      parts.push(this.text.slice(at, s.start), s.text);
      at = s.end;
    }
    parts.push(this.text.slice(at));
    const out = parts.join("");
    this.readBack = this.localOnly && this.events !== undefined && !this.events.some((e) => e.type === EVENT_ID.ALIAS) ? "local" : "parsed";
    if (this.readBack === "local") return out;
    const reread = parseTemplate(out, this.file);
    if (!sameValue(reread, this.expected)) throw new Error(`${this.file}: the edited template does not read back as intended (an hdoc bug; please report it)`);
    return out;
  }

  private setExpected(path: Key[], value: Json): void {
    let node: Json = this.expected;
    for (const k of path.slice(0, -1)) {
      const next: Json | undefined = Array.isArray(node) ? node[k as number] : isObj(node) ? node[k as string] : undefined;
      if (next === undefined || next === null || typeof next !== "object") throw new Error(`${this.file}: ${path.join(".")} cannot be set`);
      node = next;
    }
    const last = path.at(-1)!;
    if (Array.isArray(node)) node[last as number] = value;
    else if (isObj(node)) node[last as string] = value;
  }

  /** Replaces what follows the key's `:` up to the end of the value (trailing blank lines and comments stay). */
  private replaceValue(pair: LocatedPair, text: string): Written {
    const keyEnd = pair.key.end;
    const colon = keyEnd === undefined ? -1 : this.text.indexOf(":", keyEnd);
    if (colon < 0) throw new Error(`${this.file}: cannot find the ':' after ${pair.key.kind === "scalar" ? pair.key.text : "a key"}`);
    if (pair.value.start !== undefined && pair.value.end === undefined) throw new Error(`${this.file}: cannot find the end of the value of ${pair.key.kind === "scalar" ? pair.key.text : "a key"}`);
    let end = pair.value.end ?? colon + 1;
    while (end > colon + 1 && /\s/.test(this.text[end - 1]!)) end--;
    const render = (t: string) => ` ${t}`;
    const splice = { start: colon + 1, end: Math.max(end, colon + 1), text: render(text) };
    this.splices.push(splice);
    return { splice, render };
  }

  private insertPair(map: LocatedMap, key: string, valueText: string): Written {
    this.localOnly = false;
    const entry = (t: string) => `${JSON.stringify(key)}: ${t}`;
    let at: number, render: (t: string) => string;
    if (map.flow) {
      at = map.open + 1;
      if (this.text[map.open] !== "{") throw new Error(`${this.file}: cannot insert ${key}: unexpected flow mapping`);
      render = map.items.length ? (t) => ` ${entry(t)},` : (t) => ` ${entry(t)} `;
    } else {
      at = map.items[0]?.key.start ?? map.open;
      const indent = " ".repeat(at - (this.text.lastIndexOf("\n", at - 1) + 1));
      render = (t) => `${entry(t)}\n${indent}`;
    }
    const splice = { start: at, end: at, text: render(valueText) };
    this.splices.push(splice);
    return { splice, render };
  }
}
