/**
 * Reading a template's text as CloudFormation does. JSON text is JSON (as the SAM CLI and
 * CloudFormation read it); anything else is YAML with PyYAML's YAML 1.1 scalar rules (see
 * yaml-scalars.ts: the table cfn-lint's decoder and the SAM translator apply) and the short-form tags
 * (`!Ref X` -> {Ref: X}, `!GetAtt A.B` -> {"Fn::GetAtt": [A, B]}, any other `!Name` -> {"Fn::Name": ...}).
 * Merge keys (`<<`) and anchors work as in PyYAML; a duplicate key is an error, as in cfn-lint.
 *
 * The document is parsed with every scalar kept as its source text (the `failsafe` schema), so the
 * same parse serves the in-place editor (template-edit.ts): nothing is reinterpreted on the way out.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from "yaml";
import { isObj, type Json, type TemplateBody } from "./json.ts";
import { plainScalar } from "./yaml-scalars.ts";

export class TemplateParseError extends Error {}

const UNPREFIXED = new Set(["Ref", "Condition"]);
const CORE = "tag:yaml.org,2002:";

/** Parses YAML text keeping every scalar as written; throws TemplateParseError naming file and line. */
export function parseYamlDocument(text: string, file: string): Document.Parsed {
  const doc = parseDocument(text, { schema: "failsafe", version: "1.1", uniqueKeys: true, prettyErrors: true, merge: false, strict: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new TemplateParseError(`${file}${line ? `:${line}` : ""}: ${e.message.split("\n")[0]}`);
  }
  return doc;
}

/** A parsed node's value as CloudFormation sees it. */
export function nodeValue(doc: Document.Parsed, node: unknown, file: string, budget = { aliases: 0 }): Json {
  const value = (n: unknown): Json => {
    if (n === null || n === undefined) return null;
    if (isAlias(n)) {
      if (++budget.aliases > 1000) throw new TemplateParseError(`${file}: too many alias expansions (a YAML bomb?)`);
      return value(n.resolve(doc));
    }
    const tag = (n as YamlNode).tag;
    let v: Json;
    if (isScalar(n)) {
      const text = String(n.value ?? "");
      if (tag === undefined || tag === "!") v = n.type === "PLAIN" && tag === undefined ? plainScalar(text) : text;
      else if (tag.startsWith(CORE)) {
        const kind = tag.slice(CORE.length);
        v = kind === "str" ? text : ["int", "float", "bool", "null"].includes(kind) ? plainScalar(text) : text;
      } else v = text;
    } else if (isSeq(n)) {
      v = n.items.map(value);
    } else if (isMap(n)) {
      const out: { [k: string]: Json } = {};
      let merged: { [k: string]: Json } | undefined;
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const key = value(pair.key);
        if (isScalar(pair.key) && pair.key.type === "PLAIN" && pair.key.value === "<<" && pair.key.tag === undefined) {
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          merged ??= {};
          for (const s of sources) {
            const m = value(s);
            if (!isObj(m)) throw new TemplateParseError(`${file}: a merge key (<<) must name a mapping`);
            for (const [k, x] of Object.entries(m)) if (!(k in merged)) merged[k] = x;
          }
          continue;
        }
        if (key === null) throw new TemplateParseError(`${file}: a null key is not supported`);
        out[typeof key === "string" ? key : JSON.stringify(key)] = value(pair.value);
      }
      // The keys written here win over merged ones (one copy: as own properties only, never a prototype).
      v = merged ? { ...merged, ...out } : { ...out };
    } else {
      v = null;
    }
    if (tag && tag.startsWith("!") && tag.length > 1) {
      const name = tag.slice(1);
      if (name === "GetAtt" && typeof v === "string") {
        const dot = v.indexOf(".");
        return { "Fn::GetAtt": dot < 0 ? [v] : [v.slice(0, dot), v.slice(dot + 1)] };
      }
      return { [UNPREFIXED.has(name) ? name : `Fn::${name}`]: v };
    }
    return v;
  };
  return value(node);
}

const looksLikeJson = (text: string) => /^\s*[{[]/.test(text.replace(/^\uFEFF/, ""));

/** A template's text as read: its values, and the YAML document they came from (undefined for JSON text). */
export interface ReadTemplate {
  text: string;
  body: TemplateBody;
  doc?: Document.Parsed;
}

/** Parses a template (JSON or YAML), keeping the parsed YAML document for an in-place editor (template-edit.ts). */
export function readTemplate(text: string, file: string): ReadTemplate {
  let body: unknown;
  let doc: Document.Parsed | undefined;
  let parsedAsJson = false;
  if (looksLikeJson(text)) {
    try {
      body = JSON.parse(text.replace(/^\uFEFF/, ""));
      parsedAsJson = true;
    } catch {
      // not JSON after all: YAML's flow syntax
    }
  }
  if (!parsedAsJson) {
    doc = parseYamlDocument(text, file);
    body = nodeValue(doc, doc.contents, file);
    if (body === null) body = {};
  }
  if (!isObj(body)) throw new TemplateParseError(`${file}: a template must be a mapping`);
  return { text, body, doc };
}

/** Parses a template (JSON or YAML) into plain data with intrinsic functions in long form. */
export const parseTemplate = (text: string, file: string): TemplateBody => readTemplate(text, file).body;
