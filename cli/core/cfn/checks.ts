/**
 * Static checks over the root template and every nested stack: nested-stack parameters match what
 * the child declares, every function's CodeUri/Handler resolves to a file exporting the handler,
 * every Ref / GetAtt / Sub / Condition names something that exists (GetAtt X.Outputs.Y against
 * the child stack's Outputs), and no write route is left without an authorizer (route-auth.ts). Problems are collected, each naming template and logical id.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { discoverFunctions, type FunctionInfo, type Json, type Problem, type StackNode, type TemplateBody } from "./templates.ts";
import { entryPointsOf, handlerFile } from "./handler-file.ts";
import { isObj } from "./json.ts";
import { routeAuthProblems } from "./route-auth.ts";

export const PSEUDO_PARAMETERS = new Set([
  "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
]);

const keys = (v: Json | undefined) => new Set(isObj(v) ? Object.keys(v) : []);
const isServerless = (body: TemplateBody) =>
  [body.Transform].flat().some((t) => typeof t === "string" && t.startsWith("AWS::Serverless"));

/** Does this source text export `name` (ESM or CommonJS)? Comments are ignored. */
export function exportsName(source: string, name: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
  const n = name.replace(/[$]/g, "\\$");
  return [
    new RegExp(`\\bexport\\s+(?:async\\s+)?function\\*?\\s+${n}\\b`),
    new RegExp(`\\bexport\\s+(?:const|let|var)\\s+${n}\\b`),
    new RegExp(`\\bexport\\s*\\{[^}]*\\b(?:as\\s+)?${n}\\s*(?:,[^}]*)?\\}`),
    new RegExp(`\\b(?:module\\.)?exports\\.${n}\\s*=`),
  ].some((re) => re.test(code));
}

/** Checks a function's Handler ("file.export") against its code folder. */
export function handlerProblem(fn: Pick<FunctionInfo, "codeDir" | "handler" | "runtime" | "buildProperties">): string | undefined {
  const r = handlerFile({ ...fn, entryPoints: entryPointsOf(fn.buildProperties) });
  if ("error" in r) return r.error;
  if (fn.runtime.startsWith("python")) return undefined;
  if (!exportsName(readFileSync(r.file, "utf8"), r.exportName)) return `Handler ${fn.handler}: ${path.basename(r.file)} does not export ${r.exportName}`;
  return undefined;
}

/** Names `${...}` in a Sub string refers to (literals `${!x}` excluded). */
export function subReferences(text: string): string[] {
  return [...text.matchAll(/\$\{([^}!][^}]*)\}/g)].map((m) => m[1]!.trim());
}

/** SAM's generated sub-resource names per resource type (`!Ref MyFunction.Alias`, `!Ref MyApi.Stage`...). */
const GENERATED: Record<string, string[]> = {
  "AWS::Serverless::Function": [".Alias", ".Version", ".DestinationTopic", ".DestinationQueue", "Role", "Url", "UrlPublicPermissions"],
  "AWS::Serverless::Api": [".Stage", ".Deployment", ".DomainName", ".UsagePlan", ".UsagePlanKey", ".ApiKey"],
  "AWS::Serverless::HttpApi": [".Stage", ".DomainName"],
  "AWS::Serverless::StateMachine": ["Role", ".Alias", ".Version"],
  "AWS::Serverless::SimpleTable": [],
};

/**
 * The names the SAM translator generates and a template may refer to: the implicit APIs, the
 * `<Resource>.<Sub>` references of the SAM docs (Alias, Version, Stage, Deployment, DomainName,
 * UsagePlan, ApiKey), each function's Role and event resources (`<Fn><Event>`, `<Fn><Event>Permission`)
 * and embedded connectors (`<Resource><Connector>`).
 */
export function samGeneratedNames(body: TemplateBody): Set<string> {
  const out = new Set(["ServerlessRestApi", "ServerlessHttpApi", "ServerlessRestApi.Stage", "ServerlessRestApi.Deployment", "ServerlessHttpApi.Stage"]);
  for (const [id, r] of Object.entries(isObj(body.Resources) ? body.Resources : {})) {
    if (!isObj(r)) continue;
    for (const suffix of GENERATED[String(r.Type)] ?? []) out.add(`${id}${suffix}`);
    const props = isObj(r.Properties) ? r.Properties : {};
    if (r.Type === "AWS::Serverless::Function" && isObj(props.Events)) {
      for (const e of Object.keys(props.Events)) out.add(`${id}${e}`).add(`${id}${e}Permission`);
    }
    if (isObj(r.Connectors)) for (const c of Object.keys(r.Connectors)) out.add(`${id}${c}`);
  }
  return out;
}

function checkReferences(node: StackNode, byFile: Map<string, StackNode>, problems: Problem[]): void {
  const body = node.body;
  const params = keys(body.Parameters), resources = keys(body.Resources), conditions = keys(body.Conditions);
  const implicit = isServerless(body) ? samGeneratedNames(body) : new Set<string>();
  const childOutputs = (resourceId: string): Set<string> | undefined => {
    const child = node.children.find((c) => c.logicalId === resourceId);
    if (!child) return undefined;
    const childNode = byFile.get(child.file);
    return childNode ? keys(childNode.body.Outputs) : undefined;
  };

  const report = (where: string, message: string) => problems.push({ template: node.file, logicalId: where, message });
  const ref = (where: string, target: string, locals: Set<string>) => {
    if (locals.has(target) || params.has(target) || resources.has(target) || PSEUDO_PARAMETERS.has(target) || implicit.has(target)) return;
    report(where, `Ref ${target}: no such parameter, resource or pseudo parameter`);
  };
  const getAtt = (where: string, target: string, attr: string | undefined) => {
    // !GetAtt Fn.Alias.Name: SAM's generated name, then the attribute.
    const generated = attr && implicit.has(`${target}.${attr.split(".")[0]}`);
    if (!resources.has(target) && !implicit.has(target) && !generated) return report(where, `GetAtt ${target}.${attr ?? ""}: no such resource`);
    if (attr?.startsWith("Outputs.")) {
      const outputs = childOutputs(target);
      const out = attr.slice("Outputs.".length);
      if (outputs && !outputs.has(out)) report(where, `GetAtt ${target}.${attr}: the nested stack has no output ${out}`);
    }
  };
  const condition = (where: string, name: Json) => {
    if (typeof name === "string" && !conditions.has(name)) report(where, `Condition ${name} is not defined`);
  };

  const visit = (where: string, v: Json | undefined, locals: Set<string>): void => {
    if (Array.isArray(v)) return v.forEach((x) => visit(where, x, locals));
    if (!isObj(v)) return;
    const entries = Object.entries(v);
    if (entries.length === 1) {
      const [k, arg] = entries[0]!;
      if (k === "Ref" && typeof arg === "string") return ref(where, arg, locals);
      if (k === "Fn::GetAtt") {
        const [target, ...rest] = typeof arg === "string" ? arg.split(".") : Array.isArray(arg) ? arg.map(String) : [];
        if (target) getAtt(where, target, rest.join(".") || undefined);
        return;
      }
      if (k === "Fn::Sub") {
        const [text, vars] = Array.isArray(arg) ? arg : [arg, undefined];
        const subLocals = new Set([...locals, ...keys(vars)]);
        if (vars !== undefined) visit(where, vars, locals);
        if (typeof text === "string") {
          for (const name of subReferences(text)) {
            const dot = name.indexOf(".");
            if (dot < 0) ref(where, name, subLocals);
            else if (!subLocals.has(name)) getAtt(where, name.slice(0, dot), name.slice(dot + 1));
          }
        }
        return;
      }
      if (k === "Fn::If" && Array.isArray(arg)) {
        condition(where, arg[0] ?? null);
        return arg.slice(1).forEach((x) => visit(where, x, locals));
      }
      if (k === "Condition" && typeof arg === "string") return condition(where, arg);
    }
    for (const [, x] of entries) visit(where, x, locals);
  };

  const none = new Set<string>();
  for (const [id, r] of Object.entries(isObj(body.Resources) ? body.Resources : {})) {
    if (!isObj(r)) continue;
    if (typeof r.Condition === "string") condition(id, r.Condition);
    for (const dep of [r.DependsOn ?? []].flat()) {
      if (typeof dep === "string" && !resources.has(dep) && !implicit.has(dep)) report(id, `DependsOn ${dep}: no such resource`);
    }
    visit(id, r.Properties, none);
  }
  for (const section of ["Outputs", "Conditions", "Globals"] as const) {
    for (const [id, v] of Object.entries(isObj(body[section]) ? body[section] : {})) visit(`${section}.${id}`, v, none);
  }
}

function checkNestedParameters(node: StackNode, byFile: Map<string, StackNode>, problems: Problem[]): void {
  for (const child of node.children) {
    const childNode = byFile.get(child.file);
    if (!childNode) continue;
    const declared = isObj(childNode.body.Parameters) ? childNode.body.Parameters : {};
    for (const name of Object.keys(child.parameters)) {
      if (!(name in declared)) problems.push({ template: node.file, logicalId: child.logicalId, message: `passes parameter ${name}, which ${path.basename(child.file)} does not declare` });
    }
    for (const [name, decl] of Object.entries(declared)) {
      if (isObj(decl) && decl.Default === undefined && !(name in child.parameters)) {
        problems.push({ template: node.file, logicalId: child.logicalId, message: `does not pass ${name}, which ${path.basename(child.file)} requires (no Default)` });
      }
    }
  }
}

/** Every problem found from the root template down. */
export function checkTemplates(rootFile: string, repoRoot: string): Problem[] {
  const found = discoverFunctions(rootFile, repoRoot);
  const problems = [...found.problems];
  const byFile = new Map(found.stacks.map((s) => [s.file, s]));
  for (const node of found.stacks) {
    checkNestedParameters(node, byFile, problems);
    checkReferences(node, byFile, problems);
  }
  for (const fn of found.functions) {
    const p = handlerProblem(fn);
    if (p) problems.push({ template: fn.template, logicalId: fn.logicalId, message: p });
  }
  problems.push(...routeAuthProblems(found.functions, found.stacks));
  return problems;
}
