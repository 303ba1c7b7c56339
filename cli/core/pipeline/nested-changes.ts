/**
 * The nested preview: a change set created with IncludeNestedStacks has, for every nested stack it
 * changes, a row `AWS::CloudFormation::Stack` whose ChangeSetId names that stack's own change set.
 * Those are described in turn (to any depth), so the preview lists what changes *inside* each
 * nested stack, not just `Modify AWS::CloudFormation::Stack`.
 */
import { HdocError } from "../../errors.ts";

export interface NestedChange {
  /** Path of nested stack logical ids; "" for the root: "Api", "Api/Inner". */
  stack: string;
  action: string;
  logicalId: string;
  type: string;
  replacement?: string;
  /** For a nested stack row: the change set CloudFormation made for it (IncludeNestedStacks). */
  changeSetId?: string;
}

export interface NestedChangeSetPort {
  describeChangeSet(changeSetId: string, stackName: string): Promise<{ status: string; statusReason?: string; changes: Array<Omit<NestedChange, "stack">> }>;
}

export const NESTED_STACK_TYPE = "AWS::CloudFormation::Stack";
export const isNestedStackRow = (c: { type: string; changeSetId?: string }): boolean => c.type === NESTED_STACK_TYPE && Boolean(c.changeSetId);

/**
 * Every change of the root change set and of the nested change sets below it, each nested stack's
 * own changes right after its row. Nested change sets are complete when the root one is (CloudFormation
 * finishes the children first); one that FAILED is an error naming the stack and its reason.
 */
export async function expandNestedChanges(root: Array<Omit<NestedChange, "stack">>, stackName: string, port: NestedChangeSetPort, maxDepth = 10): Promise<NestedChange[]> {
  const out: NestedChange[] = [];
  const walk = async (changes: Array<Omit<NestedChange, "stack">>, prefix: string, depth: number) => {
    for (const c of changes) {
      out.push({ ...c, stack: prefix });
      if (!isNestedStackRow(c) || depth >= maxDepth) continue;
      const child = prefix ? `${prefix}/${c.logicalId}` : c.logicalId;
      const cs = await port.describeChangeSet(c.changeSetId!, stackName);
      if (cs.status === "FAILED") {
        // A nested stack whose template does not change has a FAILED change set saying so: nothing inside changes.
        if (/didn't contain changes|No updates are to be performed/i.test(cs.statusReason ?? "")) continue;
        throw new HdocError("FAILED", `the change set of nested stack ${child} failed: ${cs.statusReason ?? "no reason given"}`, "fix that nested template (or its parameters) and deploy again");
      }
      await walk(cs.changes, child, depth + 1);
    }
  };
  await walk(root, "", 0);
  return out;
}

