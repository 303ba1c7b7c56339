/**
 * What a CloudFormation stack status means for the user: usable, busy, nothing deployed, failed, rolled
 * back, or missing; each with its exit code and one line of meaning. `hdoc pipeline status` exits with it,
 * and the deploy flow refuses what cannot be deployed over.
 */
import { EXIT_CODES } from "../../errors.ts";

export type StackState = "healthy" | "busy" | "not-deployed" | "failed" | "rolled-back" | "missing";

export interface StateMeaning {
  state: StackState;
  exitCode: number;
  meaning: string;
}

const MEANINGS: Record<StackState, Omit<StateMeaning, "state">> = {
  healthy: { exitCode: EXIT_CODES.OK, meaning: "deployed and stable" },
  busy: { exitCode: EXIT_CODES.BUSY, meaning: "an operation is in flight; CloudFormation will settle it" },
  "not-deployed": { exitCode: EXIT_CODES.NOT_DEPLOYED, meaning: "nothing deployed yet: a change set was made and never executed (REVIEW_IN_PROGRESS)" },
  failed: { exitCode: EXIT_CODES.NOT_VALID, meaning: "an operation failed and left the stack stuck; it needs fixing by hand" },
  "rolled-back": { exitCode: EXIT_CODES.ROLLED_BACK, meaning: "the last operation failed and was rolled back" },
  missing: { exitCode: EXIT_CODES.NOT_FOUND, meaning: "the stack does not exist" },
};

/** Statuses from which CloudFormation accepts an update. */
export const STABLE = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"]);

export function stackState(status: string | undefined): StateMeaning {
  const state = classify(status);
  return { state, ...MEANINGS[state] };
}

function classify(status: string | undefined): StackState {
  if (status === undefined || status === "DELETE_COMPLETE") return "missing";
  if (STABLE.has(status)) return "healthy";
  if (status === "REVIEW_IN_PROGRESS") return "not-deployed";
  if (status.endsWith("_IN_PROGRESS")) return "busy";
  if (status.endsWith("_FAILED")) return "failed";
  // ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE, IMPORT_ROLLBACK_COMPLETE
  if (status.includes("ROLLBACK")) return "rolled-back";
  return "failed";
}

/** Settled: CloudFormation will not change it by itself (REVIEW_IN_PROGRESS included: it waits for a change set). */
export const isSettled = (status: string): boolean => !status.endsWith("_IN_PROGRESS") || status === "REVIEW_IN_PROGRESS";

/** Every state with its exit code and meaning, for --help. */
export const STATE_TABLE: StateMeaning[] = (Object.keys(MEANINGS) as StackState[]).map((state) => ({ state, ...MEANINGS[state] }));
