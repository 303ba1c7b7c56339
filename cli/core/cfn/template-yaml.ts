/**
 * Reading a template's text as CloudFormation does. JSON text is JSON (as the SAM CLI and
 * CloudFormation read it); anything else is YAML with PyYAML's YAML 1.1 scalar rules (see
 * yaml-scalars.ts: the table cfn-lint's decoder and the SAM translator apply) and the short-form tags
 * (`!Ref X` -> {Ref: X}, `!GetAtt A.B` -> {"Fn::GetAtt": [A, B]}, any other `!Name` -> {"Fn::Name": ...}).
 * Merge keys (`<<`) and anchors work as in PyYAML; a duplicate key is an error, as in cfn-lint.
 *
 * js-yaml parses the text once into a flat list of events that point into the text by offset; the
 * values are built from those events, and the in-place editor (template-edit.ts) finds what it
 * edits from the same events, so nothing is parsed twice and nothing is reinterpreted on the way out.
 */
import { constructFromEvents, defineMappingTag, defineScalarTag, defineSequenceTag, EVENT_ID, FAILSAFE_SCHEMA, mergeTag, parseEvents, YAMLException, type Event } from "js-yaml";
import { isObj, type Json, type TemplateBody } from "./json.ts";
import { plainScalar } from "./yaml-scalars.ts";
import { CORE } from "./yaml-located.ts";

export class TemplateParseError extends Error {}

const UNPREFIXED = new Set(["Ref", "Condition"]);
/** More alias expansions than this in one template is refused (a "billion laughs" document). */
const MAX_ALIAS_EXPANSIONS = 1000;

/** A mapping key as text: a plain scalar read as a number or boolean is keyed by its JSON form; a null key has none. */
const keyText = (k: unknown): string | undefined => (typeof k === "string" ? k : k === null || k === undefined ? undefined : JSON.stringify(k));
const NO_DUMP = { identify: () => false };

/** Adds a pair to a mapping as an own property (`__proto__` is a key like any other); an error message for a null key. */
function addPair(c: Record<string, Json>, k: unknown, v: unknown): string {
  const key = keyText(k);
  if (key === undefined) return "a null key is not supported";
  // an assignment makes the same own property, faster, for every key but the one Object.prototype has a setter for
  if (key === "__proto__") Object.defineProperty(c, key, { value: v, enumerable: true, writable: true, configurable: true });
  else c[key] = v as Json;
  return "";
}
const mergeable = { keys: (r: unknown) => Object.keys(r as object), get: (r: unknown, k: unknown) => (r as Record<string, unknown>)[keyText(k) ?? ""] };
const hasKey = (c: Record<string, Json>, k: unknown) => Object.hasOwn(c, keyText(k) ?? "");
const PLAIN_MAP = { ...NO_DUMP, ...mergeable, create: (): Record<string, Json> => ({}), addPair, has: hasKey };

/** A collection under a `!Name` tag, built with its tag at hand. */
interface Tagged<T> { tag: string; value: T }
/** `!Name value` in long form. */
function intrinsic(tag: string, v: Json): Json {
  const name = tag.slice(1);
  if (name === "GetAtt" && typeof v === "string") {
    const dot = v.indexOf(".");
    return { "Fn::GetAtt": dot < 0 ? [v] : [v.slice(0, dot), v.slice(dot + 1)] };
  }
  return { [UNPREFIXED.has(name) ? name : `Fn::${name}`]: v };
}

/**
 * The schema: every plain scalar through PyYAML's table (yaml-scalars.ts), quoted and block scalars
 * as text, `!!int`/`!!float`/`!!bool`/`!!null` through the same table, other core tags (`!!binary`,
 * `!!timestamp`, `!!set`...) and foreign tags as the text or collection written, `!Name` as intrinsics.
 */
const SCHEMA = FAILSAFE_SCHEMA.withTags(
  mergeTag,
  defineScalarTag("tag:hdoc,2026:plain", { ...NO_DUMP, implicit: true, resolve: (s) => plainScalar(s) }),
  ...["int", "float", "bool", "null"].map((t) => defineScalarTag(CORE + t, { ...NO_DUMP, resolve: (s) => plainScalar(s) })),
  defineMappingTag(`${CORE}map`, PLAIN_MAP),
  defineScalarTag("!", { ...NO_DUMP, matchByTagPrefix: true, resolve: (s, _explicit, tag) => intrinsic(tag, s) }),
  defineSequenceTag("!", {
    ...NO_DUMP, matchByTagPrefix: true,
    create: (tag): Tagged<Json[]> => ({ tag, value: [] }), addItem: (c, item) => void c.value.push(item as Json), finalize: (c) => intrinsic(c.tag, c.value),
  }),
  defineMappingTag("!", {
    ...NO_DUMP, ...mergeable, matchByTagPrefix: true,
    create: (tag): Tagged<Record<string, Json>> => ({ tag, value: {} }), addPair: (c, k, v) => addPair(c.value, k, v), has: (c, k) => hasKey(c.value, k),
    finalize: (c) => intrinsic(c.tag, c.value),
  }),
  defineScalarTag("", { ...NO_DUMP, matchByTagPrefix: true, resolve: (s) => s }),
  defineSequenceTag("", { ...NO_DUMP, matchByTagPrefix: true, create: (): Json[] => [], addItem: (c, item) => void c.push(item as Json) }),
  defineMappingTag("", { ...PLAIN_MAP, matchByTagPrefix: true }),
);

/**
 * The value with every alias expanded into a copy of its own (js-yaml hands back the anchored value
 * itself), so no part of a template is shared with another; more than MAX_ALIAS_EXPANSIONS is refused.
 */
function unshared(root: Json, file: string): Json {
  const seen = new Set<object>();
  let expansions = 0;
  const copy = (v: Json, fresh: boolean): Json => {
    if (v === null || typeof v !== "object") return v;
    if (seen.has(v)) {
      if (++expansions > MAX_ALIAS_EXPANSIONS) throw new TemplateParseError(`${file}: too many alias expansions (a YAML bomb?)`);
      fresh = true;
    } else seen.add(v);
    if (Array.isArray(v)) {
      const out = fresh ? new Array<Json>(v.length) : v;
      for (let i = 0; i < v.length; i++) out[i] = copy(v[i]!, fresh);
      return out;
    }
    const out: { [k: string]: Json } = fresh ? {} : v;
    for (const k of Object.keys(v)) {
      const x = copy(v[k]!, fresh);
      if (fresh) Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
      else v[k] = x;
    }
    return out;
  };
  return copy(root, false);
}

/** The YAML events of a template's text (offsets into it); throws TemplateParseError naming file and line. */
export function yamlEvents(text: string, file: string): Event[] {
  try {
    return parseEvents(text, { filename: file });
  } catch (e) {
    throw parseError(e, file);
  }
}

function parseError(e: unknown, file: string): unknown {
  if (!(e instanceof YAMLException)) return e;
  const line = e.mark ? e.mark.line + 1 : undefined;
  return new TemplateParseError(`${file}${line ? `:${line}` : ""}: ${e.reason}`);
}

/** The values of one YAML document's events, as CloudFormation reads them (null for an empty document). */
function valuesOf(events: Event[], text: string, file: string): Json {
  let docs: unknown[];
  try {
    docs = constructFromEvents(events, { source: text, filename: file, schema: SCHEMA });
  } catch (e) {
    throw parseError(e, file);
  }
  if (docs.length > 1) throw new TemplateParseError(`${file}: a template is one YAML document (this text holds ${docs.length})`);
  // only an alias makes two places hold one value (a merge key's inline mapping is not kept itself)
  return events.some((e) => e.type === EVENT_ID.ALIAS) ? unshared((docs[0] ?? null) as Json, file) : ((docs[0] ?? null) as Json);
}

const looksLikeJson = (text: string) => /^\s*[{[]/.test(text.replace(/^\uFEFF/, ""));

/** A template's text as read: its values, and the YAML events they came from (undefined for JSON text). */
export interface ReadTemplate {
  text: string;
  body: TemplateBody;
  events?: Event[];
}

/** Parses a template (JSON or YAML), keeping the YAML events for an in-place editor (template-edit.ts). */
export function readTemplate(text: string, file: string): ReadTemplate {
  let body: unknown;
  let events: Event[] | undefined;
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
    events = yamlEvents(text, file);
    body = valuesOf(events, text, file);
    if (body === null) body = {};
  }
  if (!isObj(body)) throw new TemplateParseError(`${file}: a template must be a mapping`);
  return { text, body, events };
}

/** Parses a template (JSON or YAML) into plain data with intrinsic functions in long form. */
export const parseTemplate = (text: string, file: string): TemplateBody => readTemplate(text, file).body;
