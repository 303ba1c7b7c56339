/**
 * Writing a template by editing its text in place (`hdoc build`'s templates, and `hdoc deploy`'s
 * packaged ones): only the values hdoc changes (CodeUri, Code, Location, TemplateURL, DefinitionUri,
 * ContentUri, an AWS::Include Location...) are replaced or inserted; every other byte keeps its source form (quotes, `3.0`, `yes`, comments, key order,
 * indentation), so the SAM CLI and CloudFormation read back exactly the values they read before.
 *
 * New values are written as JSON strings (`"./x"`), which YAML and JSON read alike. After editing,
 * the text is parsed again with the one reader and compared with the intended values: a mismatch
 * is a bug and fails loudly instead of writing a template that means something else.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type Node as YamlNode, type Pair, type YAMLMap } from "yaml";
import { isObj, type Json, type TemplateBody } from "./json.ts";
import { parseTemplate, parseYamlDocument, readTemplate, type ReadTemplate } from "./template-yaml.ts";

type Key = string | number;
interface Splice { start: number; end: number; text: string }

/** A map of the document found by its logical path, with that path. */
export interface MapAt { node: YAMLMap; path: Key[] }

const CUSTOM_TAG = (tag: string | undefined) => (tag && tag.startsWith("!") && tag.length > 1 ? tag.slice(1) : undefined);
const fnName = (name: string) => (name === "Ref" || name === "Condition" ? name : `Fn::${name}`);

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
  private readonly doc: Document.Parsed;
  private readonly splices: Splice[] = [];
  private readonly expected: TemplateBody;

  /**
   * `read` is what a reader already made of this text (discovery parses every template once; the
   * editor reuses that document instead of parsing it again); it is used only when its text is `text`.
   */
  constructor(private readonly text: string, private readonly file: string, read?: ReadTemplate) {
    const r = read?.text === text ? read : readTemplate(text, file);
    this.doc = r.doc ?? parseYamlDocument(text, file);
    this.expected = structuredClone(r.body);
  }

  /** The template's values (as read, before edits). */
  get body(): TemplateBody {
    return this.expected;
  }

  /** The mapping at a path of keys from the root (through short-form tags), if it is written as one. */
  mapAt(keys: string[]): MapAt | undefined {
    let node: unknown = this.doc.contents;
    const logical: Key[] = [];
    for (const k of keys) {
      if (!isMap(node)) return undefined;
      const tag = CUSTOM_TAG((node as YamlNode).tag);
      if (tag) return undefined;
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === k);
      if (!pair) return undefined;
      node = pair.value;
      logical.push(k);
    }
    return isMap(node) && !CUSTOM_TAG((node as YamlNode).tag) ? { node, path: logical } : undefined;
  }

  /** Sets `key` of the mapping at `at` to a string: replaces the value where the key is written, else inserts the key. */
  setString(at: MapAt, key: string, value: string): void {
    this.setValue(at, key, value);
  }

  /** Sets `key` of the mapping at `at` to a value written as JSON (`{"S3Bucket": "b", "S3Key": "k"}` is a flow mapping to YAML). */
  setValue(at: MapAt, key: string, value: Json): void {
    const pair = at.node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key) as Pair<YamlNode, YamlNode | null> | undefined;
    const text = JSON.stringify(value);
    if (pair) this.replaceValue(pair, text);
    else this.insertPair(at.node, key, text);
    this.setExpected([...at.path, key], value);
  }

  /** Sets a string at a path below the mapping at `keys`, creating the missing mappings (`Properties`) as flow maps. */
  setPath(keys: string[], key: string, value: string): void {
    for (let i = keys.length; i >= 0; i--) {
      const at = this.mapAt(keys.slice(0, i));
      if (!at) continue;
      if (i === keys.length) return this.setString(at, key, value);
      // keys[i..] are missing (or not mappings): write them as one flow value under keys[i].
      let inner: Json = { [key]: value };
      for (const k of keys.slice(i + 1).reverse()) inner = { [k]: inner };
      const pair = at.node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === keys[i]) as Pair<YamlNode, YamlNode | null> | undefined;
      if (pair && pair.value && !(isScalar(pair.value) && (pair.value.value === null || pair.value.value === "" ))) {
        throw new Error(`${this.file}: cannot rewrite ${[...keys, key].join(".")}: ${keys.slice(0, i + 1).join(".")} is not a mapping hdoc can edit`);
      }
      if (pair) this.replaceValue(pair, JSON.stringify(inner));
      else this.insertPair(at.node, keys[i]!, JSON.stringify(inner));
      this.setExpected([...at.path, keys[i]!], inner);
      return;
    }
    throw new Error(`${this.file}: the template is not a mapping`);
  }

  /**
   * The Parameters mapping of every `AWS::Include` transform, in the long (`Fn::Transform:`) or the
   * short (`!Transform`) form, wherever it is (inside lists and other intrinsics too), with its Location as read.
   */
  includes(): Array<{ at: MapAt; location: Json | undefined }> {
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
    const walk = (n: unknown, p: Key[]) => {
      const tag = CUSTOM_TAG((n as YamlNode | undefined)?.tag);
      const here = tag ? [...p, fnName(tag)] : p;
      if (isMap(n)) {
        if (!tag) out.push({ node: n, path: here });
        for (const pair of n.items) {
          if (isPair(pair) && isScalar(pair.key) && !(pair.key.value === "<<" && pair.key.type === "PLAIN")) walk(pair.value, [...here, String(pair.key.value)]);
        }
      } else if (isSeq(n)) n.items.forEach((x, i) => walk(x, [...here, i]));
    };
    walk(this.doc.contents, []);
    return out;
  }

  /** The edited text, checked against the intended values. */
  toString(): string {
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
  private replaceValue(pair: Pair<YamlNode, YamlNode | null>, text: string): void {
    const keyEnd = (pair.key as YamlNode).range![1];
    const colon = this.text.indexOf(":", keyEnd);
    if (colon < 0) throw new Error(`${this.file}: cannot find the ':' after ${String((pair.key as { value?: unknown }).value)}`);
    let end = pair.value?.range ? pair.value.range[1] : colon + 1;
    while (end > colon + 1 && /\s/.test(this.text[end - 1]!)) end--;
    this.splices.push({ start: colon + 1, end: Math.max(end, colon + 1), text: ` ${text}` });
  }

  private insertPair(map: YAMLMap, key: string, valueText: string): void {
    const entry = `${JSON.stringify(key)}: ${valueText}`;
    if (map.flow) {
      const open = map.range![0];
      if (this.text[open] !== "{") throw new Error(`${this.file}: cannot insert ${key}: unexpected flow mapping`);
      this.splices.push({ start: open + 1, end: open + 1, text: map.items.length ? ` ${entry},` : ` ${entry} ` });
      return;
    }
    const first = map.items[0];
    const at = first && isPair(first) ? (first.key as YamlNode).range![0] : map.range![0];
    const col = at - (this.text.lastIndexOf("\n", at - 1) + 1);
    this.splices.push({ start: at, end: at, text: `${entry}\n${" ".repeat(col)}` });
  }
}
