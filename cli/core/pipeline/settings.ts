/**
 * What `hdoc pipeline deploy|status` act on: the stage (flag or git branch), that stage's section of
 * cicd/samconfig.toml, and the flags that override it. No AWS here.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import { TEMPLATES_ARE_UTF8, utf8OrRefuse } from "../fs/utf8.ts";
import type { Context } from "../../context.ts";
import type { GitRunner, Stage } from "./stage.ts";
import { resolveStackSettings, type StackDefaults, type StackFlags, type StackSettings } from "./stack-settings.ts";
import type { Resolved } from "../settings.ts";

export const DEFAULT_TEMPLATE = "cicd/pipeline.template.yml";
export const DEFAULT_CONFIG = "cicd/samconfig.toml";

export interface PipelineOptions extends StackFlags {
  s3Bucket?: string;
  /** --timeout: "90s", "10m", "1h", or minutes. */
  timeout?: string;
}

export interface PipelineSettings extends Omit<StackSettings, "root" | "cfg"> {
  /** Shown in messages: relative to the project root when inside it. */
  templateLabel: string;
  s3Bucket?: string;
  s3Prefix?: string;
  /** Bound on each stack operation (--timeout, default 60 minutes). */
  timeoutMs: number;
}

export const DEFAULT_TIMEOUT_MS = 60 * 60_000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** --timeout: "90s", "10m", "1h" or a plain number of minutes; between 1 second and 24 hours. */
export function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/i.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[(m[2] || "m").toLowerCase()]! : NaN;
  if (!(ms >= 1000 && ms <= 24 * 3_600_000)) {
    throw new HdocError("USAGE", `--timeout ${JSON.stringify(text)} is not a duration between 1s and 24h`, "e.g. --timeout 90s, --timeout 20m, --timeout 2h (a plain number is minutes)");
  }
  return Math.round(ms);
}

export const defaultStackName = (stage: Stage): string => `hdoc-backend-${stage}-codepipeline`;

const PIPELINE_DEFAULTS: StackDefaults = {
  template: DEFAULT_TEMPLATE,
  config: DEFAULT_CONFIG,
  stackName: defaultStackName,
  capabilities: ["CAPABILITY_IAM"],
  tags: () => ({}),
  sectionRequired: "always",
  sectionHint: ' (see the README, "The pipeline")',
};

export async function resolvePipeline(opts: PipelineOptions, ctx: Context, git?: GitRunner): Promise<PipelineSettings> {
  const { root, cfg, ...s } = await resolveStackSettings(opts, PIPELINE_DEFAULTS, ctx, git);
  const rel = path.relative(root, s.templateFile);
  const s3Bucket = opts.s3Bucket ?? cfg.s3Bucket;
  return {
    ...s,
    templateLabel: rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : s.templateFile,
    ...(s3Bucket ? { s3Bucket } : {}),
    ...(cfg.s3Prefix ? { s3Prefix: cfg.s3Prefix } : {}),
    timeoutMs: parseTimeout(opts.timeout),
  };
}

export async function readTemplate(s: PipelineSettings): Promise<string> {
  try {
    return utf8OrRefuse(await readFile(s.templateFile), `template ${s.templateLabel}`, "NOT_VALID", TEMPLATES_ARE_UTF8);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new HdocError("NOT_FOUND", `template ${s.templateLabel} does not exist`, `pass --template with the pipeline template's path (default ${DEFAULT_TEMPLATE})`);
    }
    throw e;
  }
}

/** Region precedence: --region > AWS_REGION/AWS_DEFAULT_REGION > samconfig region > hdoc.config.json > AWS config > us-east-1. */
export function regionWithSamconfig(fromTarget: Resolved<string>, samRegion: string | undefined): Resolved<string> {
  if (fromTarget.source === "flag" || fromTarget.source === "environment" || !samRegion) return fromTarget;
  return { value: samRegion, source: "samconfig" };
}
