/**
 * Discovery for `hdoc build`: every function of the root template and its nested stacks, with the
 * problems of each tied to its nested id. Kept apart from build.ts because it loads the YAML parser,
 * which a fully cached build never needs (build.ts imports this module only on a discovery-cache miss).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import { discoverFunctions, formatProblem, skippedLine, type FunctionInfo, type SkippedFunction, type StackNode } from "../cfn/templates.ts";
import type { ReadTemplate } from "../cfn/template-yaml.ts";

export interface ListedFunction {
  id: string;
  logicalId: string;
  template: string;
  codeUri: string;
  handler: string;
  runtime: string;
  architectures: string[];
}

export interface DiscoveredProblem {
  /** Set when the problem is about one function (its nested id). */
  id?: string;
  logicalId?: string;
  /** Template, relative to the repository. */
  template: string;
  text: string;
}

const FUNCTION_TYPES = new Set(["AWS::Serverless::Function", "AWS::Lambda::Function"]);

/** A function hdoc leaves as it is (image, s3, inline, zip): a warning, never an error. */
export interface NotBuilt {
  id: string;
  logicalId: string;
  template: string;
  reason: SkippedFunction["reason"];
  text: string;
}

export const notBuilt = (skipped: SkippedFunction[], repoRoot: string): NotBuilt[] =>
  skipped.map((f) => ({ id: f.id, logicalId: f.logicalId, template: path.relative(repoRoot, f.template) || f.template, reason: f.reason, text: skippedLine(f, repoRoot) }));

/** `reads` receives each template as read, for the editor that writes the built templates (see walkStacks). */
export function loadFunctions(repoRoot: string, template: string, overrides: Record<string, string> = {}, reads?: Map<string, ReadTemplate>): { stacks: StackNode[]; functions: FunctionInfo[]; skipped: NotBuilt[]; problems: DiscoveredProblem[] } {
  if (!existsSync(template)) {
    throw new HdocError("NOT_FOUND", `template ${path.relative(repoRoot, template) || template} does not exist`, "run hdoc build from the repository root, or pass --template <file>");
  }
  const d = discoverFunctions(template, repoRoot, overrides, reads);
  const problems = d.problems.map((p): DiscoveredProblem => {
    const stack = d.stacks.find((s) => s.file === p.template);
    const type = p.logicalId && stack ? (stack.body.Resources as Record<string, { Type?: string }> | undefined)?.[p.logicalId]?.Type : undefined;
    const id = stack && type && FUNCTION_TYPES.has(type) ? [...stack.path, p.logicalId].join("/") : undefined;
    return { id, logicalId: p.logicalId, template: path.relative(repoRoot, p.template) || p.template, text: formatProblem(p, repoRoot) };
  });
  return { stacks: d.stacks, functions: d.functions, skipped: notBuilt(d.skipped, repoRoot), problems };
}

export function listFunctions(functions: FunctionInfo[], repoRoot: string): ListedFunction[] {
  return functions.map((f) => ({
    id: f.id, logicalId: f.logicalId, template: path.relative(repoRoot, f.template), codeUri: f.codeUri, handler: f.handler, runtime: f.runtime, architectures: f.architectures,
  }));
}

