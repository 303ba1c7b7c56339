/**
 * A deployed stack at a glance: status, last update, outputs, and whether the local template differs
 * from the one CloudFormation holds (GetTemplate, compared as data so formatting alone is no drift).
 */
import { isDeepStrictEqual } from "node:util";
import { HdocError } from "../../errors.ts";
import { parseTemplate, type TemplateBody } from "../cfn/templates.ts";
import { isObj } from "../cfn/json.ts";
import type { CloudFormationApi, StackOutput } from "../../aws/cloudformation.ts";
import type { Stage } from "./stage.ts";
import { stackState, type StateMeaning } from "./stack-state.ts";

export interface TemplateDrift {
  differs: boolean;
  /** e.g. "Resources.Pipeline changed", "Parameters.BuildComputeType added locally". */
  details: string[];
}

export interface StatusResult extends StateMeaning {
  stage: Stage;
  stackName: string;
  region: string;
  status: string;
  statusReason?: string;
  lastUpdated?: string;
  outputs: StackOutput[];
  drift: TemplateDrift & { templateFile: string };
  /** Stable and usable (CREATE_COMPLETE, UPDATE_COMPLETE, IMPORT_COMPLETE): exit 0 only then. */
  healthy: boolean;
}

const SECTIONS_BY_ID = new Set(["Parameters", "Resources", "Outputs", "Conditions", "Mappings"]);

export function templateDrift(local: string, deployed: string): TemplateDrift {
  if (local.trim() === deployed.trim()) return { differs: false, details: [] };
  let a: TemplateBody;
  let b: TemplateBody;
  try {
    a = parseTemplate(local, "local");
    b = parseTemplate(deployed, "deployed");
  } catch {
    return { differs: true, details: ["the template text differs"] };
  }
  const details: string[] = [];
  for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])]) {
    const la = a[key];
    const lb = b[key];
    if (isDeepStrictEqual(la, lb)) continue;
    if (SECTIONS_BY_ID.has(key) && isObj(la) && isObj(lb)) {
      for (const id of [...new Set([...Object.keys(lb), ...Object.keys(la)])]) {
        if (!(id in lb)) details.push(`${key}.${id} added locally`);
        else if (!(id in la)) details.push(`${key}.${id} removed locally`);
        else if (!isDeepStrictEqual(la[id], lb[id])) details.push(`${key}.${id} changed`);
      }
    } else {
      details.push(la === undefined ? `${key} removed locally` : lb === undefined ? `${key} added locally` : `${key} changed`);
    }
  }
  return { differs: details.length > 0, details };
}

export async function stackStatus(
  input: { stage: Stage; stackName: string; region: string; templateFile: string; templateBody: string },
  deps: { cfn: CloudFormationApi },
): Promise<StatusResult> {
  const stack = await deps.cfn.describeStack(input.stackName);
  if (!stack) {
    throw new HdocError("NOT_FOUND", `stack ${input.stackName} does not exist in ${input.region}`, `deploy it with \`hdoc pipeline deploy --stage ${input.stage}\``);
  }
  const meaning = stackState(stack.status);
  const deployed = meaning.state === "not-deployed" ? undefined : await deps.cfn.getTemplate(input.stackName);
  const drift = deployed === undefined ? { differs: true, details: ["nothing deployed yet (stack in REVIEW_IN_PROGRESS)"] } : templateDrift(input.templateBody, deployed);
  const last = stack.lastUpdatedTime ?? stack.creationTime;
  return {
    stage: input.stage,
    stackName: stack.name,
    region: input.region,
    status: stack.status,
    ...(stack.statusReason ? { statusReason: stack.statusReason } : {}),
    ...(last ? { lastUpdated: last.toISOString() } : {}),
    outputs: stack.outputs,
    drift: { ...drift, templateFile: input.templateFile },
    ...meaning,
    healthy: meaning.state === "healthy",
  };
}
