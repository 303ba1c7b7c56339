/**
 * What `hdoc pipeline deploy|status` act on: the stage (flag or git branch), that stage's section of
 * cicd/samconfig.toml, and the flags that override it. No AWS here.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import type { Context } from "../../context.ts";
import { loadSamConfig, parseCapabilities, parseKeyValues, type StageConfig } from "./samconfig.ts";
import { describeStage, resolveStage, type GitRunner, type ResolvedStage, type Stage } from "./stage.ts";
import type { Resolved } from "../settings.ts";

export const DEFAULT_TEMPLATE = "cicd/pipeline.template.yml";
export const DEFAULT_CONFIG = "cicd/samconfig.toml";

export interface PipelineOptions {
  stage?: string;
  template?: string;
  configFile?: string;
  stackName?: string;
  parameterOverrides?: string;
  capabilities?: string;
  tags?: string;
  s3Bucket?: string;
  confirmChangeset?: boolean;
  /** --timeout: "90s", "10m", "1h", or minutes. */
  timeout?: string;
}

export interface PipelineSettings {
  stage: ResolvedStage;
  templateFile: string;
  /** Shown in messages: relative to the project root when inside it. */
  templateLabel: string;
  configFile?: string;
  stackName: string;
  /** samconfig's region, used below --region and AWS_REGION (see regionWithSamconfig). */
  samRegion?: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Record<string, string>;
  confirmChangeset: boolean;
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

export async function resolvePipeline(opts: PipelineOptions, ctx: Context, git?: GitRunner): Promise<PipelineSettings> {
  const stage = await resolveStage(opts.stage, ctx.cwd, git);
  ctx.io.info(describeStage(stage));
  const { root } = await ctx.settings();
  const pick = (flag: string | undefined, fallback: string) => (flag ? path.resolve(ctx.cwd, flag) : path.join(root, fallback));
  const configFile = pick(opts.configFile, DEFAULT_CONFIG);
  const sam = await loadSamConfig(configFile, Boolean(opts.configFile));
  let cfg: StageConfig = {};
  if (sam) {
    const section = sam.envs[stage.stage];
    if (!section) {
      throw new HdocError("USAGE", `${configFile} has no [${stage.stage}.deploy.parameters] section`, `add one (see the README, "The pipeline"), or pick another stage with --stage (present: ${Object.keys(sam.envs).join(", ") || "none"})`);
    }
    cfg = section;
  } else {
    ctx.io.verbose(`${configFile} not found: using the defaults for stage ${stage.stage}`);
  }
  const templateFile = pick(opts.template, DEFAULT_TEMPLATE);
  const rel = path.relative(root, templateFile);
  const settings: PipelineSettings = {
    stage,
    templateFile,
    templateLabel: rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : templateFile,
    ...(sam ? { configFile } : {}),
    stackName: opts.stackName ?? cfg.stackName ?? defaultStackName(stage.stage),
    ...(cfg.region ? { samRegion: cfg.region } : {}),
    parameters: {
      Stage: stage.stage,
      ...cfg.parameterOverrides,
      ...(opts.parameterOverrides !== undefined ? parseKeyValues(opts.parameterOverrides, "--parameter-overrides") : {}),
    },
    capabilities: opts.capabilities !== undefined ? parseCapabilities(opts.capabilities, "--capabilities") : (cfg.capabilities ?? ["CAPABILITY_IAM"]),
    tags: { ...cfg.tags, ...(opts.tags !== undefined ? parseKeyValues(opts.tags, "--tags") : {}) },
    confirmChangeset: opts.confirmChangeset ?? cfg.confirmChangeset ?? true,
    ...((opts.s3Bucket ?? cfg.s3Bucket) ? { s3Bucket: opts.s3Bucket ?? cfg.s3Bucket } : {}),
    ...(cfg.s3Prefix ? { s3Prefix: cfg.s3Prefix } : {}),
    timeoutMs: parseTimeout(opts.timeout),
  };
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(settings.stackName)) {
    throw new HdocError("USAGE", `--stack-name ${JSON.stringify(settings.stackName)} is not a valid stack name`, "letters, digits and '-', starting with a letter, at most 128 characters");
  }
  if (settings.parameters.Stage !== stage.stage) {
    throw new HdocError("USAGE", `parameter Stage=${settings.parameters.Stage} does not match the stage being deployed (${stage.stage})`, `use --stage ${settings.parameters.Stage}, or drop Stage from the overrides`);
  }
  return settings;
}

export async function readTemplate(s: PipelineSettings): Promise<string> {
  try {
    return await readFile(s.templateFile, "utf8");
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
