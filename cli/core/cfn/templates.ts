/**
 * CloudFormation/SAM templates, the one way hdoc reads them (build, dev, the checks, pipeline
 * status): the reader (template-yaml.ts: JSON, or YAML with CloudFormation's scalar rules and
 * short-form tags), the walk through nested stacks (stacks.ts) and the functions as SAM resolves
 * them (functions.ts). The in-place writer is template-edit.ts.
 */
export { isObj, type Json, type TemplateBody } from "./json.ts";
export { parseTemplate, TemplateParseError, type ReadTemplate } from "./template-yaml.ts";
export * from "./stacks.ts";
export * from "./functions.ts";
