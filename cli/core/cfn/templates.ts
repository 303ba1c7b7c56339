/**
 * CloudFormation/SAM templates: YAML with CloudFormation's short-form tags, the walk through nested
 * stacks (AWS::Serverless::Application `Location`, AWS::CloudFormation::Stack `TemplateURL`), and the
 * discovery of every Lambda function with local code. Shared by `hdoc build`, `hdoc dev` and the
 * template checks. Problems are collected (each naming template and logical id), not thrown, so a
 * caller can still report everything else.
 */
import { readFileSync, existsSync, statSync } from "node:fs";
import path from "node:path";
import { parseDocument, stringify, type ScalarTag, type CollectionTag } from "yaml";

import { isObj, type Json, type TemplateBody } from "./json.ts";
export { isObj, type Json, type TemplateBody };

const FN_TAGS = [
  "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub", "Transform",
  "And", "Equals", "If", "Not", "Or", "ToJsonString", "Length",
] as const;

function cfnTags(): Array<ScalarTag | CollectionTag> {
  const tags: Array<ScalarTag | CollectionTag> = [];
  const make = (name: string, wrap: (v: unknown) => unknown) => {
    tags.push({ tag: `!${name}`, resolve: (v: string) => wrap(v) } as ScalarTag);
    tags.push({ tag: `!${name}`, collection: "seq", resolve: (v: { toJSON(): unknown }) => wrap(v.toJSON()) } as unknown as CollectionTag);
    tags.push({ tag: `!${name}`, collection: "map", resolve: (v: { toJSON(): unknown }) => wrap(v.toJSON()) } as unknown as CollectionTag);
  };
  make("Ref", (v) => ({ Ref: v }));
  make("Condition", (v) => ({ Condition: v }));
  make("GetAtt", (v) => ({ "Fn::GetAtt": typeof v === "string" ? splitGetAtt(v) : v }));
  for (const fn of FN_TAGS) if (fn !== "GetAtt") make(fn, (v) => ({ [`Fn::${fn}`]: v }));
  return tags;
}

function splitGetAtt(v: string): string[] {
  const i = v.indexOf(".");
  return i < 0 ? [v] : [v.slice(0, i), v.slice(i + 1)];
}

export class TemplateParseError extends Error {}

/** Parses a template (YAML or JSON) into plain data with intrinsic functions in long form. */
export function parseTemplate(text: string, file: string): TemplateBody {
  const doc = parseDocument(text, { customTags: cfnTags(), uniqueKeys: true, prettyErrors: true, version: "1.1" });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new TemplateParseError(`${file}${line ? `:${line}` : ""}: ${e.message.split("\n")[0]}`);
  }
  const body = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new TemplateParseError(`${file}: a template must be a mapping`);
  return body as TemplateBody;
}

/**
 * Serialises a (rewritten) template as YAML with long-form intrinsics, which CloudFormation reads.
 * Written as YAML 1.1, the version parseTemplate, cfn-lint and the SAM translator read: strings 1.1
 * would take for something else (`2010-09-09` a date, `yes`/`on` booleans, `1:20` a number) are quoted.
 */
export function serializeTemplate(body: TemplateBody): string {
  return stringify(body, { lineWidth: 0, aliasDuplicateObjects: false, version: "1.1" });
}

export interface Problem {
  template: string;
  logicalId?: string;
  message: string;
}

export const formatProblem = (p: Problem, root: string): string =>
  `${path.relative(root, p.template) || p.template}${p.logicalId ? ` ${p.logicalId}` : ""}: ${p.message}`;

export interface NestedRef {
  logicalId: string;
  type: "AWS::Serverless::Application" | "AWS::CloudFormation::Stack";
  /** The property holding the path: Location or TemplateURL. */
  property: "Location" | "TemplateURL";
  /** Absolute path of the child template. */
  file: string;
  parameters: { [k: string]: Json };
}

export interface StackNode {
  file: string;
  /** Logical ids from the root to this stack; [] for the root. */
  path: string[];
  body: TemplateBody;
  children: NestedRef[];
}

export interface WalkResult {
  stacks: StackNode[];
  problems: Problem[];
}

export const resourcesOf = (body: TemplateBody): Array<[string, { Type?: string; Properties?: { [k: string]: Json }; [k: string]: Json | undefined }]> =>
  isObj(body.Resources) ? (Object.entries(body.Resources).filter(([, r]) => isObj(r)) as never) : [];

const isRemote = (s: string) => /^(https?|s3):\/\//i.test(s);

/** Resolves a local path from a template, refusing one that leaves the repository. */
export function localPath(from: string, value: string, repoRoot: string): { file?: string; error?: string } {
  const abs = path.resolve(path.dirname(from), value);
  const rel = path.relative(repoRoot, abs);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return { error: `path ${JSON.stringify(value)} leaves the repository (${abs})` };
  return { file: abs };
}

/** Loads the root template and every nested template it reaches, depth first. */
export function walkStacks(rootFile: string, repoRoot: string): WalkResult {
  const stacks: StackNode[] = [];
  const problems: Problem[] = [];
  const visit = (file: string, stackPath: string[], chain: string[]) => {
    if (!existsSync(file) || !statSync(file).isFile()) {
      problems.push({ template: chain.at(-1) ?? file, logicalId: stackPath.at(-1), message: `template ${file} does not exist` });
      return;
    }
    if (chain.includes(file)) {
      problems.push({ template: file, logicalId: stackPath.at(-1), message: "nested stacks form a cycle" });
      return;
    }
    let body: TemplateBody;
    try {
      body = parseTemplate(readFileSync(file, "utf8"), file);
    } catch (e) {
      problems.push({ template: file, message: (e as Error).message });
      return;
    }
    const node: StackNode = { file, path: stackPath, body, children: [] };
    stacks.push(node);
    for (const [logicalId, res] of resourcesOf(body)) {
      if (res.Type !== "AWS::Serverless::Application" && res.Type !== "AWS::CloudFormation::Stack") continue;
      const property = res.Type === "AWS::Serverless::Application" ? "Location" : "TemplateURL";
      const value = res.Properties?.[property];
      if (value === undefined) {
        problems.push({ template: file, logicalId, message: `${res.Type} has no ${property}` });
        continue;
      }
      if (typeof value !== "string") continue; // a SAR application ({ApplicationId, SemanticVersion}) or an intrinsic: not local
      if (isRemote(value)) continue;
      const local = localPath(file, value, repoRoot);
      if (local.error) {
        problems.push({ template: file, logicalId, message: `${property} ${local.error}` });
        continue;
      }
      const params = res.Properties?.Parameters;
      node.children.push({ logicalId, type: res.Type, property, file: local.file!, parameters: isObj(params) ? params : {} });
    }
    for (const child of node.children) visit(child.file, [...stackPath, child.logicalId], [...chain, file]);
  };
  visit(path.resolve(rootFile), [], []);
  return { stacks, problems };
}

export interface FunctionInfo {
  logicalId: string;
  /** Logical ids of the nested stacks leading to the function's template, then the function: "Api/GetUserFunction". */
  id: string;
  stackPath: string[];
  template: string;
  type: "AWS::Serverless::Function" | "AWS::Lambda::Function";
  /** The code property as written: CodeUri (SAM) or Code (Lambda). */
  codeProperty: "CodeUri" | "Code";
  codeUri: string;
  /** Absolute folder (or file) of the function's code. */
  codeDir: string;
  handler: string;
  runtime: string;
  architectures: string[];
  /** Properties after Globals.Function were applied (SAM) or as written (Lambda). */
  properties: { [k: string]: Json };
}

/** Globals.Function merged under a function's own properties (Environment.Variables merged key by key). */
export function withGlobals(globals: { [k: string]: Json } | undefined, props: { [k: string]: Json }): { [k: string]: Json } {
  if (!globals) return { ...props };
  const out: { [k: string]: Json } = { ...globals, ...props };
  const gEnv = globals.Environment, pEnv = props.Environment;
  if (isObj(gEnv) && isObj(pEnv) && isObj(gEnv.Variables) && isObj(pEnv.Variables)) {
    out.Environment = { ...gEnv, ...pEnv, Variables: { ...gEnv.Variables, ...pEnv.Variables } };
  }
  return out;
}

/** Every function with local code in one stack; problems for the ones that cannot be understood. */
export function functionsOf(node: StackNode, repoRoot: string, problems: Problem[]): FunctionInfo[] {
  const globals = isObj(node.body.Globals) && isObj(node.body.Globals.Function) ? node.body.Globals.Function : undefined;
  const out: FunctionInfo[] = [];
  for (const [logicalId, res] of resourcesOf(node.body)) {
    if (res.Type !== "AWS::Serverless::Function" && res.Type !== "AWS::Lambda::Function") continue;
    const sam = res.Type === "AWS::Serverless::Function";
    const props = sam ? withGlobals(globals, res.Properties ?? {}) : { ...(res.Properties ?? {}) };
    const codeProperty = sam ? "CodeUri" : "Code";
    const code = props[codeProperty];
    const problem = (message: string) => problems.push({ template: node.file, logicalId, message });
    if (sam && props.InlineCode !== undefined) continue;
    if (code === undefined) {
      problem(`${res.Type} has no ${codeProperty}`);
      continue;
    }
    if (typeof code !== "string" || isRemote(code)) continue; // S3 location or ZipFile: not local code
    const local = localPath(node.file, code, repoRoot);
    if (local.error) {
      problem(`${codeProperty} ${local.error}`);
      continue;
    }
    if (!existsSync(local.file!)) {
      problem(`${codeProperty} ${JSON.stringify(code)} does not exist (${local.file})`);
      continue;
    }
    const handler = props.Handler, runtime = props.Runtime;
    if (typeof handler !== "string" || !handler) { problem("has no Handler"); continue; }
    if (typeof runtime !== "string" || !runtime) { problem("has no Runtime"); continue; }
    const arch = Array.isArray(props.Architectures) ? props.Architectures.filter((a): a is string => typeof a === "string") : ["x86_64"];
    out.push({
      logicalId,
      id: [...node.path, logicalId].join("/"),
      stackPath: node.path,
      template: node.file,
      type: res.Type,
      codeProperty,
      codeUri: code,
      codeDir: local.file!,
      handler,
      runtime,
      architectures: arch,
      properties: props,
    });
  }
  return out;
}

export interface Discovery extends WalkResult {
  functions: FunctionInfo[];
}

/** Walks the stacks from the root template and collects every function with local code. */
export function discoverFunctions(rootFile: string, repoRoot: string): Discovery {
  const walk = walkStacks(rootFile, repoRoot);
  const functions = walk.stacks.flatMap((s) => functionsOf(s, repoRoot, walk.problems));
  return { ...walk, functions };
}
