/**
 * The Lambda functions of a set of stacks, as SAM resolves them: `Globals.Function` merged the way
 * the SAM translator merges it (maps key by key, lists appended, intrinsics and scalars replaced),
 * `!Ref` to a parameter (the value a parent stack passes, a `--param` override, or the Default) and
 * `Fn::Sub` over parameters resolved for CodeUri, Handler, Runtime, Architectures and PackageType.
 *
 * A function with local code in a folder is one hdoc builds (FunctionInfo). The others are listed
 * with the reason and left as they are: `image` (PackageType Image), `s3` (code already in S3),
 * `inline` (InlineCode / Code.ZipFile) and `zip` (a local .zip or .jar, which SAM uploads as is).
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { isObj, type Json } from "./json.ts";
import { isRemote, localPath, resourcesOf, walkStacks, type Problem, type StackNode, type WalkResult } from "./stacks.ts";
import { isIntrinsic, withGlobals } from "./template-body.ts";
import type { ReadTemplate } from "./template-yaml.ts";

export type BuildMethod = "esbuild" | "makefile";

export interface FunctionInfo {
  logicalId: string;
  /** Logical ids of the nested stacks leading to the function's template, then the function: "Api/GetUserFunction". */
  id: string;
  stackPath: string[];
  template: string;
  type: "AWS::Serverless::Function" | "AWS::Lambda::Function";
  /** The code property as written: CodeUri (SAM) or Code (Lambda). */
  codeProperty: "CodeUri" | "Code";
  /** CodeUri as resolved (a parameter's value when it was a !Ref). */
  codeUri: string;
  /** Absolute folder of the function's code. */
  codeDir: string;
  handler: string;
  runtime: string;
  architectures: string[];
  /** Metadata.BuildMethod when it is one hdoc honours beyond the runtime's own build. */
  buildMethod?: BuildMethod;
  /** Metadata.BuildProperties as written. */
  buildProperties?: { [k: string]: Json };
  /** BuildMethod esbuild only: Environment.Variables.NODE_OPTIONS (Globals applied) when its value is known before deployment (build/source-map-option.ts). */
  nodeOptions?: string;
  /** The resource's Metadata as written (ContextPath for makefile builds...). */
  metadata?: { [k: string]: Json };
  /** Properties after Globals.Function were applied (SAM) or as written (Lambda). */
  properties: { [k: string]: Json };
}

/** Why a function is not built (`runtime`: hdoc dev only, a function it cannot run in Node.js). */
export type SkipReason = "image" | "s3" | "inline" | "zip" | "runtime";

/** A function hdoc does not build: deployed as the template says. */
export interface SkippedFunction {
  logicalId: string;
  id: string;
  stackPath: string[];
  template: string;
  type: FunctionInfo["type"];
  reason: SkipReason;
  /** One line: why, e.g. "PackageType Image (ImageUri ...)". */
  detail: string;
  properties: { [k: string]: Json };
}

export interface Discovery extends WalkResult {
  functions: FunctionInfo[];
  skipped: SkippedFunction[];
}

const FUNCTION_TYPES = new Set(["AWS::Serverless::Function", "AWS::Lambda::Function"]);
export { mergeGlobals, withGlobals } from "./template-body.ts";

export type Static = { value: string } | { why: string };

/**
 * The value of a property that can be known before deployment: a string or number, `!Ref` to a
 * parameter (`params` holds each parameter's value), `!Sub` over parameters, `!Join` of those.
 */
export function staticValue(v: Json | undefined, params: Map<string, Json>, depth = 0): Static {
  if (depth > 20) return { why: "references nest too deeply" };
  if (typeof v === "string") return { value: v };
  if (typeof v === "number" || typeof v === "boolean") return { value: String(v) };
  if (!isObj(v)) return { why: v === undefined || v === null ? "no value" : "a list is not a single value" };
  const [fn, arg] = Object.entries(v)[0] ?? [];
  if (fn === "Ref" && typeof arg === "string") {
    if (!params.has(arg)) return { why: `!Ref ${arg} is not a parameter with a value (its value is known only once deployed)` };
    return staticValue(params.get(arg), params, depth + 1);
  }
  if (fn === "Fn::Sub") {
    const [tpl, vars] = typeof arg === "string" ? [arg, {}] : Array.isArray(arg) && typeof arg[0] === "string" ? [arg[0], isObj(arg[1]) ? arg[1] : {}] : [undefined, {}];
    if (tpl === undefined) return { why: "malformed Fn::Sub" };
    let failed: string | undefined;
    const value = tpl.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
      const r = name in vars ? staticValue((vars as { [k: string]: Json })[name], params, depth + 1) : staticValue({ Ref: name.trim() }, params, depth + 1);
      if ("why" in r) failed ??= `\${${name}}: ${r.why}`;
      return "value" in r ? r.value : "";
    }).replace(/\$\{!/g, "${");
    return failed ? { why: failed } : { value };
  }
  if (fn === "Fn::Join" && Array.isArray(arg) && typeof arg[0] === "string" && Array.isArray(arg[1])) {
    const parts = arg[1].map((p) => staticValue(p, params, depth + 1));
    const bad = parts.find((p) => "why" in p);
    return bad ?? { value: parts.map((p) => ("value" in p ? p.value : "")).join(arg[0]) };
  }
  return { why: `${fn ?? "the value"} cannot be resolved before deployment` };
}

/**
 * Each stack's parameter values: the parent's (resolved in the parent), else the overrides (root
 * only), else the Default, else (root only) `fallbacks` — hdoc dev's `Stage=dev` for a Stage without a Default.
 */
export function parameterValues(stacks: StackNode[], overrides: Record<string, string> = {}, fallbacks: Record<string, string> = {}): Map<StackNode, Map<string, Json>> {
  const out = new Map<StackNode, Map<string, Json>>();
  const byPath = new Map(stacks.map((s) => [s.path.join("/"), s]));
  for (const s of stacks) {
    const values = new Map<string, Json>();
    const declared = isObj(s.body.Parameters) ? s.body.Parameters : {};
    const parent = s.path.length ? byPath.get(s.path.slice(0, -1).join("/")) : undefined;
    const link = parent?.children.find((c) => c.logicalId === s.path.at(-1));
    for (const [name, decl] of Object.entries(declared)) {
      if (link && link.parameters[name] !== undefined) {
        const r = staticValue(link.parameters[name], out.get(parent!) ?? new Map());
        if ("value" in r) values.set(name, r.value);
      } else if (!parent && overrides[name] !== undefined) values.set(name, overrides[name]!);
      else if (isObj(decl) && decl.Default !== undefined && decl.Default !== null) values.set(name, decl.Default);
      else if (!parent && fallbacks[name] !== undefined) values.set(name, fallbacks[name]!);
    }
    out.set(s, values);
  }
  return out;
}


const ARCHIVE = /\.(zip|jar)$/i;

/** Every function in one stack: the ones hdoc builds, the ones it leaves as they are, and problems. */
export function functionsOf(node: StackNode, repoRoot: string, params: Map<string, Json>, problems: Problem[]): { functions: FunctionInfo[]; skipped: SkippedFunction[] } {
  const globals = isObj(node.body.Globals) && isObj(node.body.Globals.Function) ? node.body.Globals.Function : undefined;
  const functions: FunctionInfo[] = [];
  const skipped: SkippedFunction[] = [];
  for (const [logicalId, res] of resourcesOf(node.body)) {
    if (!FUNCTION_TYPES.has(res.Type ?? "")) continue;
    const type = res.Type as FunctionInfo["type"];
    const sam = type === "AWS::Serverless::Function";
    const props = sam ? withGlobals(globals, res.Properties ?? {}) : { ...(res.Properties ?? {}) };
    const codeProperty = sam ? "CodeUri" : "Code";
    const id = [...node.path, logicalId].join("/");
    const problem = (message: string) => problems.push({ template: node.file, logicalId, message });
    const skip = (reason: SkipReason, detail: string) => skipped.push({ logicalId, id, stackPath: node.path, template: node.file, type, reason, detail, properties: props });
    const text = (name: string): Static => staticValue(props[name], params);

    const packageType = props.PackageType === undefined ? { value: "Zip" } : text("PackageType");
    if ("value" in packageType && packageType.value === "Image") {
      const uri = props[sam ? "ImageUri" : "Code"];
      skip("image", `PackageType Image${typeof uri === "string" ? ` (${uri})` : isObj(uri) && typeof uri.ImageUri === "string" ? ` (${uri.ImageUri})` : ""}: hdoc builds zip functions only`);
      continue;
    }
    const code = props[codeProperty];
    if (sam && props.InlineCode !== undefined) { skip("inline", "InlineCode: deployed as written"); continue; }
    if (!sam && isObj(code) && code.ZipFile !== undefined) { skip("inline", "Code.ZipFile: deployed as written"); continue; }
    if (code === undefined) { problem(`${type} has no ${codeProperty}`); continue; }
    if (isObj(code) && !isIntrinsic(code)) { skip("s3", `${codeProperty} is an S3 location: deployed as written`); continue; }
    const codeR = staticValue(code, params);
    if ("why" in codeR) { problem(`${codeProperty} cannot be resolved: ${codeR.why}`); continue; }
    const codeUri = codeR.value;
    if (isRemote(codeUri)) { skip("s3", `${codeProperty} ${codeUri}: deployed as written`); continue; }
    const local = localPath(node.file, codeUri, repoRoot);
    if (local.error) { problem(`${codeProperty} ${local.error}`); continue; }
    if (!existsSync(local.file!)) { problem(`${codeProperty} ${JSON.stringify(codeUri)} does not exist (${local.file})`); continue; }
    if (!statSync(local.file!).isDirectory()) {
      if (ARCHIVE.test(codeUri)) skip("zip", `${codeProperty} ${codeUri} is an archive: deployed as it is`);
      else problem(`${codeProperty} ${JSON.stringify(codeUri)} is a file, not a folder or a .zip (${local.file})`);
      continue;
    }
    const handler = text("Handler"), runtime = text("Runtime");
    if ("why" in handler) { problem(props.Handler === undefined ? "has no Handler" : `Handler cannot be resolved: ${handler.why}`); continue; }
    if ("why" in runtime) { problem(props.Runtime === undefined ? "has no Runtime" : `Runtime cannot be resolved: ${runtime.why}`); continue; }
    if (!handler.value) { problem("has an empty Handler"); continue; }
    if (!runtime.value) { problem("has an empty Runtime"); continue; }
    const archList = Array.isArray(props.Architectures) ? props.Architectures.map((a) => staticValue(a, params)) : [];
    const architectures = archList.length ? [...new Set(archList.map((a) => ("value" in a ? a.value : "x86_64")))] : ["x86_64"];
    const metadata = isObj(res.Metadata) ? res.Metadata : {};
    const method = typeof metadata.BuildMethod === "string" ? metadata.BuildMethod.toLowerCase() : undefined;
    const vars = isObj(props.Environment) && isObj(props.Environment.Variables) ? props.Environment.Variables : undefined;
    const nodeOptions = method === "esbuild" && vars?.NODE_OPTIONS !== undefined ? staticValue(vars.NODE_OPTIONS, params) : undefined;
    functions.push({
      logicalId, id, stackPath: node.path, template: node.file, type, codeProperty, codeUri, codeDir: local.file!,
      handler: handler.value, runtime: runtime.value, architectures,
      ...(method === "makefile" || method === "esbuild" ? { buildMethod: method as BuildMethod } : {}),
      ...(isObj(metadata.BuildProperties) ? { buildProperties: metadata.BuildProperties } : {}),
      ...(nodeOptions && "value" in nodeOptions ? { nodeOptions: nodeOptions.value } : {}),
      ...(isObj(res.Metadata) ? { metadata: res.Metadata } : {}),
      properties: props,
    });
  }
  return { functions, skipped };
}

/**
 * Walks the stacks from the root template and collects every function. `overrides`: --param values
 * for the root stack; `reads` receives each template as read (see walkStacks); `fallbacks`: values
 * for root parameters without a Default (hdoc dev's Stage=dev).
 */
export function discoverFunctions(rootFile: string, repoRoot: string, overrides: Record<string, string> = {}, reads?: Map<string, ReadTemplate>, fallbacks: Record<string, string> = {}): Discovery {
  const walk = walkStacks(rootFile, repoRoot, reads);
  const values = parameterValues(walk.stacks, overrides, fallbacks);
  const functions: FunctionInfo[] = [], skipped: SkippedFunction[] = [];
  for (const s of walk.stacks) {
    const r = functionsOf(s, repoRoot, values.get(s)!, walk.problems);
    functions.push(...r.functions);
    skipped.push(...r.skipped);
  }
  return { ...walk, functions, skipped };
}

/** The one line a caller shows for a function hdoc leaves as it is. */
export const skippedLine = (f: SkippedFunction, root: string): string =>
  `${path.relative(root, f.template) || f.template} ${f.logicalId}: not built (${f.reason}): ${f.detail}`;
