/**
 * The build folder's layout and the rewritten templates.
 *
 *   <out>/template.yml                 the root template
 *   <out>/stacks/<Nested>[/<Deeper>].yml  one file per nested stack, named by its logical ids
 *   <out>/functions/<id>/              one artifact folder per function (id = "Api/GetUserFunction")
 *   <out>/manifest.json                per function: input hash, artifact size, build time
 *   <out>/cache.json                   file stamps, parsed discovery, written templates (see build-cache.ts)
 *
 * Every template is its source edited in place (template-edit.ts): CodeUri/Code pointing at the
 * function's artifact folder and Location/TemplateURL at the built child template, as paths relative
 * to the template itself, which is what `sam deploy --template-file` and `aws cloudformation package`
 * resolve. Other local file references (Globals.Function.CodeUri, DefinitionUri, ContentUri,
 * AWS::Include...) are pointed back at the originals. Nothing else changes, not even quoting.
 */
import { existsSync, rmSync } from "node:fs";
import { readUtf8File, TEMPLATES_ARE_UTF8 } from "../fs/utf8.ts";
import path from "node:path";
import type { FunctionInfo, Json, StackNode, TemplateBody } from "../cfn/templates.ts";
import { writeFileAtomicSync } from "../fs/atomic-write.ts";
import { isObj } from "../cfn/json.ts";
import { nodeOptionsEdit, nodeOptionsWarning } from "./source-map-option.ts";

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

/** The slice of template-edit.ts's TemplateEditor this module uses (passed in, so that loading it loads no YAML library). */
export interface Editor {
  readonly body: TemplateBody;
  mapAt(keys: string[]): { node: unknown; path: Array<string | number> } | undefined;
  setString(at: { node: unknown; path: Array<string | number> }, key: string, value: string): void;
  setPath(keys: string[], key: string, value: string): void;
  includes(): Array<{ at: { node: unknown; path: Array<string | number> }; location: Json | undefined }>;
  toString(): string;
}
export type MakeEditor = (text: string, file: string) => Editor;

const FUNCTION_CODE: Record<string, string> = { "AWS::Serverless::Function": "CodeUri", "AWS::Lambda::Function": "Code" };

const valueAt = (body: Json, p: Array<string | number>): Json | undefined => {
  let v: Json | undefined = body;
  for (const k of p) v = Array.isArray(v) ? v[k as number] : isObj(v) ? v[k as string] : undefined;
  return v;
};

/**
 * One stack's template, edited in place for its place in the build folder: each built function's
 * code property points at its artifact folder, each nested stack at its built template, and every
 * other local path (Globals.Function.CodeUri, a zip CodeUri, DefinitionUri, ContentUri, AWS::Include
 * Location...) back at the original file, relative to the written template. A local path that does
 * not exist is left as written (it is not hdoc's to judge; `sam deploy` reports it). `refs` collects
 * the original local files whose existence decided the result.
 */
export function rewriteStack(node: StackNode, functions: FunctionInfo[], outDir: string, makeEditor: MakeEditor, refs = new Set<string>(), warnings: string[] = []): { file: string; text: string } {
  const outFile = templateOutFile(outDir, node.path);
  const editor = makeEditor(readUtf8File(node.file, TEMPLATES_ARE_UTF8), node.file);
  const body = editor.body;
  const resources = isObj(body.Resources) ? body.Resources : {};
  const pointBack = (value: Json | undefined, set: (rel: string) => void) => {
    if (!isLocal(value)) return;
    const original = path.resolve(path.dirname(node.file), value);
    refs.add(original);
    if (existsSync(original)) set(relativeRef(outFile, original));
  };
  const built = new Set(functions.filter((f) => f.template === node.file && f.stackPath.join("/") === node.path.join("/")).map((f) => f.logicalId));
  for (const child of node.children) {
    editor.setPath(["Resources", child.logicalId, "Properties"], child.property, relativeRef(outFile, templateOutFile(outDir, [...node.path, child.logicalId])));
  }
  for (const fn of functions.filter((f) => built.has(f.logicalId) && f.template === node.file)) {
    editor.setPath(["Resources", fn.logicalId, "Properties"], fn.codeProperty, relativeRef(outFile, artifactDirOf(outDir, fn.id)));
    // as `sam build` does: Sourcemap set -> --enable-source-maps in the function's own NODE_OPTIONS (source-map-option.ts)
    const edit = nodeOptionsEdit(fn);
    if (edit && "invalid" in edit) warnings.push(nodeOptionsWarning(fn.id, edit.invalid));
    else if (edit) {
      try {
        editor.setPath(["Resources", fn.logicalId, "Properties", "Environment", "Variables"], "NODE_OPTIONS", edit.set);
      } catch {
        warnings.push(nodeOptionsWarning(fn.id, "its Environment is written in a form hdoc cannot edit in place (an alias or a tag)"));
      }
    }
  }
  const globals = editor.mapAt(["Globals", "Function"]);
  if (globals) pointBack(valueAt(body, [...globals.path, "CodeUri"]), (rel) => editor.setString(globals, "CodeUri", rel));
  for (const [logicalId, res] of Object.entries(resources)) {
    if (!isObj(res) || typeof res.Type !== "string") continue;
    const props = editor.mapAt(["Resources", logicalId, "Properties"]);
    if (!props || !isObj(res.Properties)) continue;
    const code = FUNCTION_CODE[res.Type];
    const local = [...(LOCAL_FILE_PROPERTIES[res.Type] ?? []), ...(code && !built.has(logicalId) ? [code] : [])];
    for (const prop of local) pointBack(res.Properties[prop], (rel) => editor.setString(props, prop, rel));
  }
  for (const { at, location } of editor.includes()) pointBack(location, (rel) => editor.setString(at, "Location", rel));
  return { file: outFile, text: editor.toString() };
}

/** The rewritten templates, not yet written: each file and its text, and the original local files they point back at. */
export interface RenderedTemplates {
  outputs: Array<{ file: string; text: string }>;
  /** Original local files the templates point back at (their existence decided the result). */
  refs: string[];
  /** Local paths left as written because they did not exist. */
  absent: string[];
  /** What the edits left undone (one line each, naming the function). */
  warnings: string[];
}

/**
 * Every stack's template rewritten for the build folder, in memory. Nothing here depends on the
 * artifacts, only on the templates, the functions and the build folder, so a build renders them
 * while esbuild is bundling and writes them once every function is built.
 */
export function renderTemplates(stacks: StackNode[], functions: FunctionInfo[], outDir: string, makeEditor: MakeEditor): RenderedTemplates {
  const refs = new Set<string>();
  const warnings: string[] = [];
  const outputs = stacks.map((node) => rewriteStack(node, functions, outDir, makeEditor, refs, warnings));
  const all = [...refs].sort();
  return { outputs, refs: all.filter((f) => existsSync(f)), absent: all.filter((f) => !existsSync(f)), warnings };
}

/** Replaces the built templates with rendered ones (each written atomically, all at once); returns the files written. */
export async function writeRendered(rendered: RenderedTemplates, outDir: string): Promise<string[]> {
  removeTemplates(outDir);
  // checked by digest before the next build trusts them: no fsync (see AtomicWriteOptions.durable), and
  // written one after another without waiting on the thread pool (a few small files: its round trips cost more)
  for (const o of rendered.outputs) writeFileAtomicSync(o.file, o.text, { mode: 0o644, durable: false });
  return rendered.outputs.map((o) => o.file);
}

/**
 * Writes every rewritten template; returns the files written, the original local files they point
 * back at (`refs`) and the local paths left as written because they did not exist (`absent`).
 */
export function writeTemplates(stacks: StackNode[], functions: FunctionInfo[], outDir: string, makeEditor: MakeEditor): { files: string[]; refs: string[]; absent: string[] } {
  const rendered = renderTemplates(stacks, functions, outDir, makeEditor);
  removeTemplates(outDir);
  for (const o of rendered.outputs) writeFileAtomicSync(o.file, o.text, { mode: 0o644 });
  return { files: rendered.outputs.map((o) => o.file), refs: rendered.refs, absent: rendered.absent };
}

/** Removes the built templates, so a failed or partial build never leaves a deployable stale set. */
export function removeTemplates(outDir: string): void {
  rmSync(path.join(outDir, ROOT_TEMPLATE), { force: true });
  rmSync(path.join(outDir, "stacks"), { recursive: true, force: true });
}
