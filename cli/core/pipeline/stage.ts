/**
 * The stage a command acts on: --stage, else a suggestion from the current git branch (staging ->
 * staging, anything else -> dev). Prod is never inferred: a fresh clone is on main, and neither SAM nor
 * CDK picks an environment from a branch; prod takes `--stage prod` on the command line.
 * Outside a repository or on a detached HEAD: dev.
 */
import { HdocError } from "../../errors.ts";
import { didYouMean } from "../../suggest.ts";

export const STAGES = ["dev", "staging", "prod"] as const;
export type Stage = (typeof STAGES)[number];

export const BRANCH_OF_STAGE: Record<Stage, string> = { dev: "dev", staging: "staging", prod: "main" };

export function isStage(v: string): v is Stage {
  return (STAGES as readonly string[]).includes(v);
}

/** The stage a branch suggests: never prod (main, the prod branch, suggests dev). */
export function stageForBranch(branch: string | undefined): Exclude<Stage, "prod"> {
  return branch === "staging" ? "staging" : "dev";
}

export interface ResolvedStage {
  stage: Stage;
  source: "flag" | "git branch" | "default";
  branch?: string;
}

/** Runs `git rev-parse --abbrev-ref HEAD`; returns its stdout, or undefined when git fails. */
export type GitRunner = (args: string[], cwd: string) => Promise<string | undefined>;

export const execaGit: GitRunner = async (args, cwd) => {
  const { execa } = await import("execa");
  const r = await execa("git", args, { cwd, reject: false, stdin: "ignore" });
  return r.exitCode === 0 ? String(r.stdout).trim() : undefined;
};

export async function currentBranch(cwd: string, git: GitRunner = execaGit): Promise<string | undefined> {
  const out = await git(["rev-parse", "--abbrev-ref", "HEAD"], cwd);
  // A detached HEAD prints "HEAD"; an empty repository has no branch yet.
  return out && out !== "HEAD" ? out : undefined;
}

export async function resolveStage(flag: string | undefined, cwd: string, git: GitRunner = execaGit): Promise<ResolvedStage> {
  if (flag !== undefined) {
    if (!isStage(flag)) throw new HdocError("USAGE", `--stage must be one of ${STAGES.join(", ")}, got ${JSON.stringify(flag)}`, didYouMean(flag, STAGES) || `e.g. --stage dev`);
    return { stage: flag, source: "flag" };
  }
  const branch = await currentBranch(cwd, git);
  if (branch === undefined) return { stage: "dev", source: "default" };
  return { stage: stageForBranch(branch), source: "git branch", branch };
}

/** The line every stage-aware command prints (on stderr). */
export function describeStage(r: ResolvedStage): string {
  if (r.source === "flag") return `stage: ${r.stage} (from --stage)`;
  if (r.source === "git branch") {
    const prodBranch = r.branch === BRANCH_OF_STAGE.prod ? `; prod only with --stage prod` : "";
    return `stage: ${r.stage} (from git branch '${r.branch}'${prodBranch})`;
  }
  return `stage: ${r.stage} (default: not on a git branch)`;
}
