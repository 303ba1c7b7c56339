/**
 * The local backend as the templates describe it, read once for `hdoc dev` and `hdoc invoke`: the
 * stacks (root parameters applied; template-cache.ts keeps them between starts), every function with its environment resolved the way the
 * deployed stack would resolve it (local table names and ARNs), the tables, and which functions
 * consume which table's stream. Nothing is started here.
 */
import { existsSync } from "node:fs";
import { HdocError } from "../../errors.ts";
import type { Discovery, FunctionInfo, Json, Problem, StackNode } from "../cfn/templates.ts";
import { formatProblem } from "../cfn/template-body.ts";
import path from "node:path";
import { discoverCached } from "./template-cache.ts";
import { isObj } from "../cfn/json.ts";
import { StackResolver, type ResourceRef } from "../cfn/stack-refs.ts";
import type { RuntimeFunction } from "./runtime/runtime.ts";
import type { StreamSource, ViewType } from "./stream.ts";
import { tablesOf, TableDefinitionError, type TableDefinition } from "./tables.ts";
import { applyEnvVars, type EnvOverrides } from "./env-vars.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./local-aws.ts";
import { nodeOptionsEdit } from "../build/source-map-option.ts";

export { LOCAL_ACCOUNT, LOCAL_REGION };

export interface BackendOptions {
  repoRoot: string;
  template: string;
  /** Values for the root template's parameters (Stage defaults to "dev"). */
  parameters: Record<string, string>;
  /** --env-vars overrides (SAM CLI format). */
  envVars?: EnvOverrides;
  warn(line: string): void;
}

export interface LocalBackend {
  stacks: StackNode[];
  functions: FunctionInfo[];
  /** Functions hdoc cannot run (image, s3, inline, zip), with why. */
  skipped: Discovery["skipped"];
  resolver: StackResolver;
  tables: TableDefinition[];
  tableName(def: TableDefinition): string;
  /** The stack a function belongs to. */
  stackOf(fn: FunctionInfo): StackNode;
  /** What the runtime runs: each function with its environment, Timeout and MemorySize. */
  runtimeFunctions: RuntimeFunction[];
  /** The stream sources, given the names the tables were created with. */
  streams(tableNames: Record<string, string>): StreamSource[];
  /** The templates were not parsed: nothing changed since the last start (template-cache.ts). */
  fromCache: boolean;
}

export function templateProblems(problems: Problem[], repoRoot: string): HdocError {
  const lines = problems.map((p) => formatProblem(p, repoRoot));
  return new HdocError("NOT_VALID", `the templates have ${problems.length} problem(s):\n  ${lines.join("\n  ")}`, "fix the templates (the same checks run in CI), then run hdoc dev again");
}

/** Values hdoc dev gives root parameters that have no Default and no --param. */
const DEV_FALLBACKS = { Stage: "dev" };

const num = (v: Json | undefined, d: number) => (typeof v === "number" ? v : typeof v === "string" && Number(v) > 0 ? Number(v) : d);

export async function loadBackend(o: BackendOptions): Promise<LocalBackend> {
  if (!existsSync(o.template)) throw new HdocError("NOT_FOUND", `no template at ${o.template}`, "run from the repository (infra/template.yml), or pass --template <file>");
  // Stage=dev for a root Stage without a Default, seen by discovery too (and by the nested stacks it is passed to).
  const found = await discoverCached(o.template, o.repoRoot, o.parameters, path.join(o.repoRoot, ".hdoc", "dev", "templates.json"), Date.now, DEV_FALLBACKS);
  if (found.problems.length) throw templateProblems(found.problems, o.repoRoot);
  // hdoc dev runs Node.js functions; the others keep their routes, which answer 502 and say why.
  const notRun = found.functions.filter((f) => !f.runtime.startsWith("nodejs") || f.buildMethod === "makefile");
  found.functions = found.functions.filter((f) => !notRun.includes(f));
  found.skipped = [...found.skipped, ...notRun.map((f) => ({
    logicalId: f.logicalId, id: f.id, stackPath: f.stackPath, template: f.template, type: f.type, properties: f.properties,
    reason: "runtime" as const, detail: `${f.buildMethod === "makefile" ? "BuildMethod makefile" : f.runtime}: hdoc dev runs Node.js functions only`,
  }))];
  let defs: TableDefinition[];
  try {
    defs = tablesOf(found.stacks);
  } catch (e) {
    if (e instanceof TableDefinitionError) throw new HdocError("NOT_VALID", `the templates have a problem: ${e.message}`, "fix the table definition in the templates");
    throw e;
  }
  const root = found.stacks.find((s) => s.path.length === 0)!;
  const rootParams = isObj(root.body.Parameters) ? root.body.Parameters : {};
  const parameters = { ...o.parameters };
  for (const [k, v] of Object.entries(DEV_FALLBACKS)) if (isObj(rootParams[k]) && rootParams[k].Default === undefined) parameters[k] ??= v;
  for (const k of Object.keys(parameters)) {
    if (!(k in rootParams)) throw new HdocError("USAGE", `--param ${k}: the root template has no parameter ${k}`, `its parameters: ${Object.keys(rootParams).join(", ") || "none"}`);
  }
  const rootBody = { ...root.body, Parameters: Object.fromEntries(Object.entries(rootParams).map(([k, v]) => [k, k in parameters ? { ...(isObj(v) ? v : {}), Default: parameters[k]! } : v])) };
  const stacks: StackNode[] = found.stacks.map((s) => (s === root ? { ...s, body: rootBody } : s));
  const stackOf = (fn: FunctionInfo) => stacks.find((s) => s.path.join("/") === fn.stackPath.join("/"))!;

  const tableName = (def: TableDefinition) => (defs.filter((d) => d.logicalId === def.logicalId).length > 1 ? def.id.replace(/\//g, "-") : def.logicalId);
  const defOf = (ref: ResourceRef) => defs.find((d) => d.id === [...ref.stack.path, ref.logicalId].join("/"));
  const tableArn = (def: TableDefinition) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName(def)}`;
  const resolver = new StackResolver(stacks, {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    attr(ref) {
      const def = defOf(ref);
      if (def) return ref.attr === undefined ? tableName(def) : ref.attr === "Arn" ? tableArn(def) : ref.attr === "StreamArn" && def.stream ? `${tableArn(def)}/stream/local` : undefined;
      if (ref.attr === undefined) return ref.logicalId;
      if (ref.attr === "Arn") return `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${ref.logicalId}`;
      return undefined;
    },
  });

  const runtimeFunctions: RuntimeFunction[] = found.functions.map((fn) => {
    const env: Record<string, string> = {};
    const declared = isObj(fn.properties.Environment) && isObj(fn.properties.Environment.Variables) ? fn.properties.Environment.Variables : {};
    // as the built template has it: Sourcemap set -> --enable-source-maps in NODE_OPTIONS (build/source-map-option.ts)
    const edit = nodeOptionsEdit(fn);
    const vars = edit && "set" in edit ? { ...declared, NODE_OPTIONS: edit.set } : declared;
    const overridden = applyEnvVars({}, Object.keys(vars), o.envVars ?? {}, fn);
    for (const [k, v] of Object.entries(vars)) {
      if (k in overridden) {
        env[k] = overridden[k]!;
        continue;
      }
      const r = resolver.text(stackOf(fn), v);
      if (r.kind === "value") env[k] = r.value;
      else o.warn(`${fn.id}: environment variable ${k} has no local value (${r.why}); left unset (set it with --env-vars)`);
    }
    return { info: fn, env, timeoutSeconds: num(fn.properties.Timeout, 3), memoryMb: num(fn.properties.MemorySize, 128) };
  });

  const streams = (tableNames: Record<string, string>): StreamSource[] => {
    const sources: StreamSource[] = [];
    for (const def of defs.filter((d) => d.stream)) {
      const consumers = found.functions.flatMap((fn) => {
        const events = isObj(fn.properties.Events) ? Object.values(fn.properties.Events) : [];
        return events.filter((ev) => isObj(ev) && ev.Type === "DynamoDB").flatMap((ev) => {
          const p = isObj(ev) && isObj(ev.Properties) ? ev.Properties : {};
          const r = resolver.resolve(stackOf(fn), p.Stream);
          if (r.kind !== "resource" || r.ref.attr !== "StreamArn" || defOf(r.ref) !== def) return [];
          const filters = isObj(p.FilterCriteria) && Array.isArray(p.FilterCriteria.Filters)
            ? p.FilterCriteria.Filters.flatMap((f) => (isObj(f) && typeof f.Pattern === "string" ? [JSON.parse(f.Pattern) as unknown] : []))
            : [];
          return [{ functionId: fn.id, batchSize: typeof p.BatchSize === "number" ? p.BatchSize : 100, filters }];
        });
      });
      if (!consumers.length) continue;
      const keyNames = (def.input.KeySchema ?? []).map((k) => k.AttributeName!);
      sources.push({ tableName: tableNames[def.id]!, keyNames, viewType: def.stream as ViewType, streamArn: `${tableArn(def)}/stream/local`, consumers });
    }
    return sources;
  };

  return { stacks, functions: found.functions, skipped: found.skipped, resolver, tables: defs, tableName, stackOf, runtimeFunctions, streams, fromCache: found.fromCache };
}
