/**
 * Packaging, as `aws cloudformation package` does it, from `hdoc build`'s output: every local
 * artifact a built template names (function code, layers, API definitions, AWS::Include files...)
 * is zipped deterministically when it must be a zip, stored under a content-addressed key
 * (`<prefix>/<sha256>.zip`) and uploaded only when that key is not in the bucket yet; each nested
 * template is packaged the same way (deepest first), uploaded as `<prefix>/<sha256>.template`, and
 * its parent's Location/TemplateURL pointed at its https URL. The root's packaged text is returned:
 * the deploy passes it inline, or uploads it when it is over CloudFormation's inline limit.
 *
 * Each packaged template is its built text edited in place (template-edit.ts): only the locations
 * replaced change; comments, quotes, `3.0` and key order stay as written, so CloudFormation and the
 * SAM transform read the same values as from the built template.
 *
 * Same code, same bytes, same keys: a second run of unchanged code uploads nothing.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import type { ArtifactStore } from "../../aws/s3.ts";
import { formatProblem, walkStacks, type Json, type ReadTemplate, type StackNode } from "../cfn/templates.ts";
import { TemplateEditor, type MapAt } from "../cfn/template-edit.ts";
import { ARTIFACT_PROPERTIES, NESTED_STACK_PROPERTY, isRemoteRef, type ArtifactProperty } from "./artifact-properties.ts";
import { zipPath } from "./zip.ts";

export interface PackageRequest {
  /** The built root template (absolute), e.g. <repo>/.hdoc/build/template.yml. */
  rootTemplate: string;
  repoRoot: string;
  bucket: string;
  /** Key prefix without a trailing slash; "" for the bucket's root. */
  prefix: string;
  /** Uploads at once (default 8). */
  concurrency?: number;
  onEvent?(e: PackageEvent): void;
}

export type ObjectKind = "code" | "file" | "template";

export interface PackagedObject {
  /** Nested stack path of the template naming it ("" for the root): "Api". */
  stack: string;
  logicalId: string;
  property: string;
  kind: ObjectKind;
  /** What was packaged, relative to the repository. */
  source: string;
  key: string;
  /** What the template now says: s3://bucket/key, or the https URL for nested templates. */
  location: string;
  size: number;
  sha256: string;
  uploaded: boolean;
}

export type PackageEvent = { type: "object"; object: PackagedObject };

export interface Tally { uploaded: number; unchanged: number }

export interface PackageResult {
  bucket: string;
  prefix: string;
  /** The packaged root template. */
  templateBody: string;
  /** Packaged text of every nested template, by stack path ("Api", "Api/Inner"). */
  nested: Record<string, string>;
  objects: PackagedObject[];
  /** Code and other artifacts (zips and files), then nested templates. */
  artifacts: Tally;
  templates: Tally;
}

const isObj = (v: unknown): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const isZipFile = (file: string) => {
  const head = readFileSync(file).subarray(0, 4);
  return head.length === 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);
};

function getPath(props: { [k: string]: Json }, dotted: string): Json | undefined {
  let cur: Json | undefined = props;
  for (const part of dotted.split(".")) cur = isObj(cur) ? cur[part] : undefined;
  return cur;
}

/** The in-place editor of a built template, over the document the walk already parsed. */
function editorOf(file: string, reads: Map<string, ReadTemplate>): TemplateEditor {
  const read = reads.get(file);
  return new TemplateEditor(read?.text ?? readFileSync(file, "utf8"), file, read);
}

/** Where a resource property is written: the mapping holding it and its key, or an error naming it (before anything is uploaded). */
function propertyAt(editor: TemplateEditor, file: string, logicalId: string, dotted: string): { at: MapAt; key: string } {
  const parts = dotted.split(".");
  const at = editor.mapAt(["Resources", logicalId, "Properties", ...parts.slice(0, -1)]);
  if (!at) throw new HdocError("USAGE", `cannot package ${file} ${logicalId}: ${dotted} is not written as a plain mapping (an alias, merge key or tag)`, "write the resource's Properties out in the built template's source");
  return { at, key: parts.at(-1)! };
}

/** Runs `work` over `items`, at most `limit` at once, keeping the order of results. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

interface Pending {
  stack: string;
  logicalId: string;
  property: string;
  kind: ObjectKind;
  source: string;
  body: () => Promise<{ data: Buffer; ext: string; contentType: string }>;
  apply(location: string, bucket: string, key: string): void;
}

export async function packageTemplates(req: PackageRequest, deps: { store: ArtifactStore }): Promise<PackageResult> {
  // The build folder may sit outside the repository (--out-dir): its templates are hdoc's own output, so no path is refused here.
  const reads = new Map<string, ReadTemplate>();
  const walk = walkStacks(req.rootTemplate, path.parse(path.resolve(req.rootTemplate)).root, reads);
  if (walk.problems.length) {
    const first = walk.problems[0]!;
    throw new HdocError(first.message.includes("does not exist") ? "NOT_FOUND" : "USAGE", `cannot package ${path.relative(req.repoRoot, req.rootTemplate)}: ${formatProblem(first, req.repoRoot)}`, "run `hdoc build` (hdoc deploy builds first when the build is not current)");
  }
  const rel = (f: string) => path.relative(req.repoRoot, f) || f;
  const keyOf = (digest: string, ext: string) => (req.prefix ? `${req.prefix}/` : "") + digest + ext;
  const objects: PackagedObject[] = [];
  // One HeadObject/PutObject per key and run, even when two resources share an artifact.
  const inFlight = new Map<string, Promise<boolean>>();
  const ensure = async (key: string, data: Buffer, contentType: string): Promise<boolean> => {
    const known = inFlight.get(key);
    if (known) return known.then(() => false); // the first resource naming it counts the upload
    const p = (async () => {
      if (await deps.store.has(req.bucket, key)) return false;
      await deps.store.put(req.bucket, key, data, contentType);
      return true;
    })();
    inFlight.set(key, p);
    return p;
  };
  const settle = async (items: Pending[]) =>
    mapLimited(items, req.concurrency ?? 8, async (item) => {
      const { data, ext, contentType } = await item.body();
      const digest = sha256(data);
      const key = keyOf(digest, ext);
      const uploaded = await ensure(key, data, contentType);
      const location = item.kind === "template" ? deps.store.url(req.bucket, key) : `s3://${req.bucket}/${key}`;
      item.apply(location, req.bucket, key);
      const obj: PackagedObject = { stack: item.stack, logicalId: item.logicalId, property: item.property, kind: item.kind, source: item.source, key, location, size: data.length, sha256: digest, uploaded };
      objects.push(obj);
      req.onEvent?.({ type: "object", object: obj });
      return obj;
    });

  const packaged = new Map<string, string>(); // stack path -> packaged text
  const nested: Record<string, string> = {};
  const bodies = walk.stacks.map((node) => ({ node, id: node.path.join("/"), editor: editorOf(node.file, reads) }));
  // Every artifact of every stack at once (they depend on nothing), then the templates level by
  // level from the deepest, since a template's text holds the URLs of its children's.
  const artifacts = bodies.flatMap(({ node, editor }) => artifactsOf(node, editor, rel));
  const links = new Map(bodies.map(({ node, editor }) => [node, node.children.map((child) => ({ child, ...propertyAt(editor, rel(node.file), child.logicalId, child.property) }))]));
  await settle(artifacts);
  const depth = Math.max(...bodies.map((b) => b.node.path.length));
  for (let level = depth; level >= 0; level--) {
    const here = bodies.filter((b) => b.node.path.length === level);
    await settle(here.flatMap(({ node, id, editor }) => links.get(node)!.map(({ child, at, key }): Pending => {
      const childPath = [...node.path, child.logicalId].join("/");
      return {
        stack: id, logicalId: child.logicalId, property: child.property, kind: "template", source: rel(child.file),
        body: async () => ({ data: Buffer.from(packaged.get(childPath)!, "utf8"), ext: ".template", contentType: "text/yaml" }),
        apply: (location) => editor.setString(at, key, location),
      };
    })));
    for (const { id, editor } of here) {
      const text = editor.toString();
      packaged.set(id, text);
      if (id) nested[id] = text;
    }
  }

  objects.sort((a, b) => (a.kind === "template" ? 1 : 0) - (b.kind === "template" ? 1 : 0) || a.stack.localeCompare(b.stack) || a.logicalId.localeCompare(b.logicalId) || a.property.localeCompare(b.property));
  const tally = (list: PackagedObject[]): Tally => ({ uploaded: list.filter((o) => o.uploaded).length, unchanged: list.filter((o) => !o.uploaded).length });
  return {
    bucket: req.bucket,
    prefix: req.prefix,
    templateBody: packaged.get("")!,
    nested,
    objects,
    artifacts: tally(objects.filter((o) => o.kind !== "template")),
    templates: tally(objects.filter((o) => o.kind === "template")),
  };
}

/** The local artifacts one template names (resource properties of the table, and AWS::Include files). */
function artifactsOf(node: StackNode, editor: TemplateEditor, rel: (f: string) => string): Pending[] {
  const body = editor.body;
  const stack = node.path.join("/");
  const dir = path.dirname(node.file);
  const out: Pending[] = [];
  const resources = isObj(body.Resources) ? body.Resources : {};
  const missing = (logicalId: string, property: string, value: string, file: string) =>
    new HdocError("NOT_FOUND", `${rel(node.file)} ${logicalId}: ${property} ${value} does not exist (${rel(file)})`, "run `hdoc build` again (or `hdoc build --clean` if its folder was edited by hand)");

  for (const [logicalId, res] of Object.entries(resources)) {
    if (!isObj(res) || typeof res.Type !== "string" || !isObj(res.Properties)) continue;
    if (res.Type in NESTED_STACK_PROPERTY) continue;
    const props = res.Properties;
    if (res.Type === "AWS::Serverless::Function" && props.InlineCode !== undefined) continue;
    for (const spec of ARTIFACT_PROPERTIES[res.Type] ?? []) {
      const value = getPath(props, spec.path);
      if (typeof value !== "string" || value === "" || isRemoteRef(value)) continue; // absent, an intrinsic, or already in S3
      const file = path.resolve(dir, value);
      if (!existsSync(file)) throw missing(logicalId, spec.path, value, file);
      const { at, key: prop } = propertyAt(editor, rel(node.file), logicalId, spec.path);
      out.push(pendingArtifact(stack, logicalId, spec, file, rel, (location, bucket, key) => editor.setValue(at, prop, spec.form.kind === "url" ? location : { [spec.form.bucket]: bucket, [spec.form.key]: key })));
    }
  }
  // AWS::Include anywhere in the template: its Location becomes s3://bucket/key.
  for (const { at, location: loc } of editor.includes()) {
    if (typeof loc !== "string" || loc === "" || isRemoteRef(loc)) continue;
    const file = path.resolve(dir, loc);
    if (!existsSync(file) || !statSync(file).isFile()) throw missing("AWS::Include", "Location", loc, file);
    out.push(pendingArtifact(stack, "AWS::Include", { path: "Location", form: { kind: "url" }, zip: "folders" }, file, rel, (location) => editor.setString(at, "Location", location)));
  }
  return out;
}

function pendingArtifact(stack: string, logicalId: string, spec: ArtifactProperty, file: string, rel: (f: string) => string, apply: Pending["apply"]): Pending {
  const isDir = statSync(file).isDirectory();
  const zip = isDir || (spec.zip === "always" && !isZipFile(file));
  return {
    stack, logicalId, property: spec.path, kind: zip || spec.zip === "always" ? "code" : "file", source: rel(file), apply,
    body: async () =>
      zip
        ? { data: await zipPath(file), ext: ".zip", contentType: "application/zip" }
        : { data: readFileSync(file), ext: spec.zip === "always" ? ".zip" : path.extname(file), contentType: "application/octet-stream" },
  };
}
