/**
 * The stacks of a deployment: the root template and every nested stack it reaches
 * (AWS::Serverless::Application `Location`, AWS::CloudFormation::Stack `TemplateURL`), each parsed
 * by the one template reader. Problems are collected (each naming template and logical id), not
 * thrown, so a caller can still report everything else.
 */
import { existsSync, statSync } from "node:fs";
import { readUtf8File, TEMPLATES_ARE_UTF8 } from "../fs/utf8.ts";
import path from "node:path";
import { isObj, type Json, type TemplateBody } from "./json.ts";
import { readTemplate, type ReadTemplate } from "./template-yaml.ts";
import { resourcesOf, type Problem } from "./template-body.ts";

export { formatProblem, resourcesOf, type Problem } from "./template-body.ts";

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

export const isRemote = (s: string) => /^(https?|s3):\/\//i.test(s);

/** Resolves a local path from a template, refusing one that leaves the repository. */
export function localPath(from: string, value: string, repoRoot: string): { file?: string; error?: string } {
  const abs = path.resolve(path.dirname(from), value);
  const rel = path.relative(repoRoot, abs);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return { error: `path ${JSON.stringify(value)} leaves the repository (${abs})` };
  return { file: abs };
}

/**
 * Loads the root template and every nested template it reaches, depth first. `reads` (when given)
 * receives each template's text and parsed document by file, for an editor that writes it back.
 */
export function walkStacks(rootFile: string, repoRoot: string, reads?: Map<string, ReadTemplate>): WalkResult {
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
      const read = readTemplate(readUtf8File(file, TEMPLATES_ARE_UTF8), file);
      reads?.set(file, read);
      body = read.body;
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
