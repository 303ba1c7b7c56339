/**
 * Where a deploy is, so that Ctrl-C, a declined confirmation, a timeout or a preview can tidy what this
 * run made (its change set; the empty REVIEW_IN_PROGRESS stack if this run created it) and say, in one
 * message, which state the stack is left in and what to run next.
 */
import { HdocError } from "../../errors.ts";
import type { CloudFormationApi } from "../../aws/cloudformation.ts";
import type { FollowCommands } from "./follow.ts";

type Phase = "inspecting" | "deleting" | "deleted" | "creating" | "confirming" | "executing" | "done";

export class DeployState {
  private phase: Phase = "inspecting";
  private changeSetName?: string;
  private changeSetId?: string;
  private stackRef?: string;
  private createdStack = false;
  /** This run deleted a ROLLBACK_COMPLETE stack (to create it again). */
  private replaced = false;
  private type?: "CREATE" | "UPDATE";

  constructor(readonly stackName: string, readonly commands: FollowCommands) {}

  deleting(): void { this.phase = "deleting"; this.replaced = true; }
  deleted(): void { this.phase = "deleted"; }
  creating(changeSetName: string, stackIsNew: boolean): void {
    this.phase = "creating";
    this.changeSetName = changeSetName;
    this.createdStack = stackIsNew;
  }
  created(changeSetId: string, stackId?: string): void {
    this.changeSetId = changeSetId;
    if (stackId) this.stackRef = stackId;
  }
  confirming(): void { this.phase = "confirming"; }
  executing(type: "CREATE" | "UPDATE"): void { this.phase = "executing"; this.type = type; }
  done(): void { this.phase = "done"; }

  /** Deletes this run's change set, and the empty stack if this run created it; returns what it did. */
  async cleanUp(cfn: CloudFormationApi): Promise<string[]> {
    const notes: string[] = [];
    const ref = this.stackRef ?? this.stackName;
    if (this.changeSetId) {
      try {
        await cfn.deleteChangeSet(this.changeSetId, ref);
        notes.push(`change set ${this.changeSetName} deleted`);
      } catch (e) {
        notes.push(`could not delete change set ${this.changeSetName} (${(e as Error).message}): delete it with \`aws cloudformation delete-change-set --stack-name ${this.stackName} --change-set-name ${this.changeSetName}\``);
      }
    }
    if (this.createdStack && this.phase !== "executing") {
      try {
        await cfn.deleteStack(ref);
        notes.push(`the empty stack ${this.stackName} (REVIEW_IN_PROGRESS) this run created deleted`);
      } catch (e) {
        notes.push(`could not delete the empty stack ${this.stackName} (${(e as Error).message}): delete it with \`aws cloudformation delete-stack --stack-name ${this.stackName}\``);
      }
    }
    if (this.replaced) notes.push(`stack ${this.stackName} was deleted (it was ROLLBACK_COMPLETE) and is not created again: run \`${this.commands.deploy}\``);
    this.phase = "done";
    return notes;
  }

  /** After Ctrl-C: tidies what can be tidied and returns the error that says what state things are in. */
  async interrupted(cfn: CloudFormationApi): Promise<HdocError> {
    const s = this.stackName;
    switch (this.phase) {
      case "inspecting":
      case "done":
        return new HdocError("INTERRUPTED", `nothing was changed on stack ${s}`);
      case "deleting":
        return new HdocError("INTERRUPTED", `stack ${s} is being deleted (it was ROLLBACK_COMPLETE); CloudFormation goes on with the delete`, `follow it with \`${this.commands.watch}\`; then \`${this.commands.deploy}\` creates it again`);
      case "deleted":
        return new HdocError("INTERRUPTED", `stack ${s} was deleted (it was ROLLBACK_COMPLETE) and is not created again`, `run \`${this.commands.deploy}\` to create it`);
      case "creating":
      case "confirming": {
        const notes = await this.cleanUp(cfn);
        return new HdocError("INTERRUPTED", `nothing was executed on stack ${s}${notes.length ? ` (${notes.join("; ")})` : ""}`);
      }
      case "executing": {
        const cancel =
          this.type === "UPDATE"
            ? `, or cancel it with \`aws cloudformation cancel-update-stack --stack-name ${s}\` (it rolls back)`
            : `; a create cannot be cancelled (on failure it rolls back; delete it after with \`aws cloudformation delete-stack --stack-name ${s}\`)`;
        return new HdocError("INTERRUPTED", `CloudFormation goes on with the ${this.type === "CREATE" ? "create" : "update"} of stack ${s}; hdoc stopped watching`, `follow it with \`${this.commands.watch}\`${cancel}`);
      }
    }
  }

  /** The line for a forced exit (a second Ctrl-C): what may be left, and how to check it. */
  forcedLine(): string | undefined {
    const s = this.stackName;
    switch (this.phase) {
      case "creating":
      case "confirming":
        return this.changeSetName ? `change set ${this.changeSetName} may be left on stack ${s}: \`aws cloudformation delete-change-set --stack-name ${s} --change-set-name ${this.changeSetName}\`` : undefined;
      case "deleting":
      case "executing":
        return `CloudFormation goes on with stack ${s}: follow it with \`${this.commands.watch}\``;
      case "deleted":
        return `stack ${s} was deleted and is not created again: run \`${this.commands.deploy}\``;
      default:
        return undefined;
    }
  }
}
