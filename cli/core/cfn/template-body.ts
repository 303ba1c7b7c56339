/**
 * What is read from a template once it is parsed: its resources, SAM's Globals merged under a
 * resource's properties, whether a value is an intrinsic function, and how a problem found in it is
 * shown. Nothing here needs the template reader (template-yaml.ts), so a caller holding parsed
 * templates (hdoc dev's template cache) does not load the YAML parser for these.
 */
import path from "node:path";
import { isObj, type Json, type TemplateBody } from "./json.ts";

export interface Problem {
  template: string;
  logicalId?: string;
  message: string;
}

export const formatProblem = (p: Problem, root: string): string =>
  `${path.relative(root, p.template) || p.template}${p.logicalId ? ` ${p.logicalId}` : ""}: ${p.message}`;

export const resourcesOf = (body: TemplateBody): Array<[string, { Type?: string; Properties?: { [k: string]: Json }; [k: string]: Json | undefined }]> =>
  isObj(body.Resources) ? (Object.entries(body.Resources).filter(([, r]) => isObj(r)) as never) : [];

/** `{ "Ref": ... }`, `{ "Fn::...": ... }` or `{ "Condition": ... }`: a value known only when deployed. */
export const isIntrinsic = (v: Json | undefined): boolean => isObj(v) && Object.keys(v).length === 1 && (Object.keys(v)[0] === "Ref" || Object.keys(v)[0]!.startsWith("Fn::") || Object.keys(v)[0] === "Condition");

/** SAM's Globals merge: maps merged key by key (recursively), lists appended, anything else replaced by the function's own. */
export function mergeGlobals(global: Json | undefined, local: Json | undefined): Json | undefined {
  if (local === undefined) return global;
  if (global === undefined) return local;
  const kind = (v: Json) => (isIntrinsic(v) ? "primitive" : Array.isArray(v) ? "list" : isObj(v) ? "map" : "primitive");
  const g = kind(global), l = kind(local);
  if (g !== l || g === "primitive") return local;
  if (g === "list") return [...(global as Json[]), ...(local as Json[])];
  const out: { [k: string]: Json } = { ...(global as { [k: string]: Json }) };
  for (const [k, v] of Object.entries(local as { [k: string]: Json })) out[k] = mergeGlobals(out[k], v)!;
  return out;
}

/** Globals.<section> merged under a resource's own properties. */
export function withGlobals(globals: { [k: string]: Json } | undefined, props: { [k: string]: Json }): { [k: string]: Json } {
  return (globals ? mergeGlobals(globals, props) : { ...props }) as { [k: string]: Json };
}
