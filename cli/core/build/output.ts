/**
 * The build folder's layout and the rewritten templates.
 *
 *   <out>/template.yml                 the root template
 *   <out>/stacks/<Nested>[/<Deeper>].yml  one file per nested stack, named by its logical ids
 *   <out>/functions/<id>/              one artifact folder per function (id = "Api/GetUserFunction")
 *   <out>/manifest.json                per function: input hash, artifact size, build time
 *   <out>/cache.json                   file stamps, parsed discovery, written templates (see build-cache.ts)
 *
 * Every template is copied with CodeUri/Code pointing at the function's artifact folder and
 * Location/TemplateURL at the built child template, as paths relative to the template itself,
 * which is what `sam deploy --template-file` and `aws cloudformation package` resolve. Other local
 * file references (DefinitionUri, ContentUri, AWS::Include...) are pointed back at the originals.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import type { FunctionInfo, Json, StackNode, TemplateBody } from "../cfn/templates.ts";
import { writeFileAtomicSync } from "../fs/atomic-write.ts";
import { isObj } from "../cfn/json.ts";

export const ROOT_TEMPLATE = "template.yml";
export const MANIFEST_FILE = "manifest.json";
export const CACHE_FILE = "cache.json";

export const templateOutFile = (outDir: string, stackPath: string[]): string =>
  stackPath.length === 0 ? path.join(outDir, ROOT_TEMPLATE) : path.join(outDir, "stacks", ...stackPath) + ".yml";
export const artifactDirOf = (outDir: string, id: string): string => path.join(outDir, "functions", ...id.split("/"));

/** Local file properties (other than code and nested stacks) that a copied template must still reach. */
const LOCAL_FILE_PROPERTIES: Record<string, string[]> = {
  "AWS::Serverless::Api": ["DefinitionUri"],
  "AWS::Serverless::HttpApi": ["DefinitionUri"],
  "AWS::Serverless::StateMachine": ["DefinitionUri"],
  "AWS::Serverless::GraphQLApi": ["SchemaUri"],
  "AWS::Serverless::LayerVersion": ["ContentUri"],
  "AWS::Lambda::LayerVersion": ["Content"],
  "AWS::ApiGateway::RestApi": ["BodyS3Location"],
  "AWS::ApiGatewayV2::Api": ["BodyS3Location"],
  "AWS::StepFunctions::StateMachine": ["DefinitionS3Location"],
  "AWS::AppSync::GraphQLSchema": ["DefinitionS3Location"],
  "AWS::AppSync::Resolver": ["RequestMappingTemplateS3Location", "ResponseMappingTemplateS3Location"],
};

const isLocal = (v: unknown): v is string => typeof v === "string" && v !== "" && !/^(https?|s3):\/\//i.test(v);
/** A relative path in forward slashes, starting with "./" or "../". */
export function relativeRef(fromFile: string, to: string): string {
  const rel = path.relative(path.dirname(fromFile), to).split(path.sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** Points AWS::Include Locations (anywhere in the template) back at the original files. */
function rewriteIncludes(node: Json, from: string, to: string, refs: Set<string>): Json {
  if (Array.isArray(node)) return node.map((n) => rewriteIncludes(n, from, to, refs));
  if (!isObj(node)) return node;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) out[k] = rewriteIncludes(v, from, to, refs);
  const t = out["Fn::Transform"];
  if (isObj(t) && t.Name === "AWS::Include" && isObj(t.Parameters) && isLocal(t.Parameters.Location)) {
    const original = path.resolve(path.dirname(from), t.Parameters.Location);
    refs.add(original);
    if (existsSync(original)) out["Fn::Transform"] = { ...t, Parameters: { ...t.Parameters, Location: relativeRef(to, original) } };
  }
  return out;
}

/**
 * One stack's template, rewritten for its place in the build folder. `refs` collects the original
 * local files it points back at (whether they exist decides the result).
 */
export function rewriteStack(node: StackNode, functions: FunctionInfo[], outDir: string, refs = new Set<string>()): { file: string; body: TemplateBody } {
  const outFile = templateOutFile(outDir, node.path);
  const body = rewriteIncludes(structuredClone(node.body), node.file, outFile, refs) as TemplateBody;
  const resources = isObj(body.Resources) ? body.Resources : {};
  const globals = isObj(body.Globals) && isObj(body.Globals.Function) ? body.Globals.Function : undefined;
  if (globals && "CodeUri" in globals) delete globals.CodeUri; // every local function gets its own below
  for (const child of node.children) {
    const res = resources[child.logicalId];
    if (isObj(res) && isObj(res.Properties)) res.Properties[child.property] = relativeRef(outFile, templateOutFile(outDir, [...node.path, child.logicalId]));
  }
  for (const fn of functions.filter((f) => f.template === node.file && f.stackPath.join("/") === node.path.join("/"))) {
    const res = resources[fn.logicalId];
    if (!isObj(res)) continue;
    if (!isObj(res.Properties)) res.Properties = {};
    res.Properties[fn.codeProperty] = relativeRef(outFile, artifactDirOf(outDir, fn.id));
  }
  for (const [logicalId, res] of Object.entries(resources)) {
    if (!isObj(res) || typeof res.Type !== "string" || !isObj(res.Properties)) continue;
    for (const prop of LOCAL_FILE_PROPERTIES[res.Type] ?? []) {
      const value = res.Properties[prop];
      if (!isLocal(value)) continue;
      const original = path.resolve(path.dirname(node.file), value);
      refs.add(original);
      if (existsSync(original)) res.Properties[prop] = relativeRef(outFile, original);
      else throw new Error(`${node.file} ${logicalId}: ${prop} ${value} does not exist`);
    }
  }
  return { file: outFile, body };
}

/**
 * Writes every rewritten template (serialised by `serialize`, templates.ts's serializeTemplate,
 * passed in so that loading this module does not load the YAML library); returns the files written
 * and the original local files they point back at.
 */
export function writeTemplates(stacks: StackNode[], functions: FunctionInfo[], outDir: string, serialize: (body: TemplateBody) => string): { files: string[]; refs: string[] } {
  removeTemplates(outDir);
  const files: string[] = [];
  const refs = new Set<string>();
  for (const node of stacks) {
    const { file, body } = rewriteStack(node, functions, outDir, refs);
    writeFileAtomicSync(file, serialize(body), { mode: 0o644 });
    files.push(file);
  }
  return { files, refs: [...refs].sort() };
}

/** Removes the built templates, so a failed or partial build never leaves a deployable stale set. */
export function removeTemplates(outDir: string): void {
  rmSync(path.join(outDir, ROOT_TEMPLATE), { force: true });
  rmSync(path.join(outDir, "stacks"), { recursive: true, force: true });
}
