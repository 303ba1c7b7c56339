/**
 * What a change set changes beyond its resource rows: parameters (old -> new, NoEcho masked) and stack
 * tags. CloudFormation lists neither in DescribeChangeSet's Changes, so a parameter-only change would
 * otherwise show nothing.
 */
import { isObj } from "../cfn/json.ts";
import { parseTemplate } from "../cfn/templates.ts";
import type { ParameterChange, TagChange } from "./deploy-view.ts";

export const MASK = "****";

interface Declared {
  default?: string;
  noEcho: boolean;
}

function declaredParameters(templateBody: string): Map<string, Declared> | undefined {
  let body;
  try {
    body = parseTemplate(templateBody, "template");
  } catch {
    return undefined;
  }
  const out = new Map<string, Declared>();
  const params = body.Parameters;
  if (!isObj(params)) return out;
  for (const [key, decl] of Object.entries(params)) {
    if (!isObj(decl)) continue;
    const d = decl.Default;
    out.set(key, { ...(d !== undefined && d !== null ? { default: Array.isArray(d) ? d.join(",") : String(d) } : {}), noEcho: decl.NoEcho === true || decl.NoEcho === "true" });
  }
  return out;
}

/**
 * The parameters whose value changes. `deployed` is DescribeStacks' ParameterValue map (undefined for a
 * new stack); a parameter not passed takes the template's Default, as CloudFormation does.
 */
export function parameterChanges(templateBody: string, deployed: Record<string, string> | undefined, passed: Record<string, string>, isSecret: (key: string) => boolean): ParameterChange[] {
  const declared = declaredParameters(templateBody) ?? new Map<string, Declared>(Object.keys(passed).map((k) => [k, { noEcho: false }]));
  const changes: ParameterChange[] = [];
  for (const [key, d] of declared) {
    const next = passed[key] ?? d.default;
    const old = deployed?.[key];
    const masked = d.noEcho || isSecret(key);
    // CloudFormation answers NoEcho values as ****: a value passed again cannot be compared, so it is listed
    if (old === next && !(masked && old === MASK && key in passed)) continue;
    if (old === undefined && next === undefined) continue;
    changes.push({ key, ...(old !== undefined ? { old: masked ? MASK : old } : {}), ...(next !== undefined ? { new: masked ? MASK : next } : {}), masked });
  }
  for (const key of Object.keys(deployed ?? {})) {
    if (!declared.has(key)) changes.push({ key, old: isSecret(key) ? MASK : deployed![key]!, masked: isSecret(key) });
  }
  return changes;
}

export function tagChanges(deployed: Record<string, string> | undefined, next: Record<string, string>): TagChange[] {
  const out: TagChange[] = [];
  for (const [key, value] of Object.entries(next)) if (deployed?.[key] !== value) out.push({ key, ...(deployed?.[key] !== undefined ? { old: deployed[key] } : {}), new: value });
  for (const [key, value] of Object.entries(deployed ?? {})) if (!(key in next)) out.push({ key, old: value });
  return out;
}
