/**
 * What every stack command (`hdoc pipeline deploy|status|diff`, `hdoc deploy|diff`) reads the same way:
 * the stage (flag or git branch, never guessed), that stage's section of a samconfig file, and the flags
 * over it. Precedence for each value: flag > samconfig > the command's default. No AWS here.
 */
import path from "node:path";
import { HdocError } from "../../errors.ts";
import type { Context } from "../../context.ts";
import { loadSamConfig, parseCapabilities, parseKeyValues, type StageConfig } from "./samconfig.ts";
import { describeStage, resolveStage, type GitRunner, type ResolvedStage, type Stage } from "./stage.ts";

/** The flags every stack command takes. */
export interface StackFlags {
  stage?: string;
  template?: string;
  configFile?: string;
  stackName?: string;
  parameterOverrides?: string;
  capabilities?: string;
  tags?: string;
  confirmChangeset?: boolean;
}

/** What one command's defaults are. */
export interface StackDefaults {
  /** Relative to the project root. */
  template: string;
  config: string;
  stackName: (stage: Stage) => string;
  capabilities: string[];
  tags: (stage: Stage) => Record<string, string>;
  /** A samconfig file without the stage's section: an error always, or only when --config-file named it. */
  sectionRequired: "always" | "when-named";
  /** The hint's pointer for a missing section. */
  sectionHint: string;
}

export interface StackSettings {
  stage: ResolvedStage;
  root: string;
  templateFile: string;
  configFile?: string;
  /** The stage's samconfig section ({} without a file). */
  cfg: StageConfig;
  stackName: string;
  /** samconfig's region, used below --region and AWS_REGION (see regionWithSamconfig). */
  samRegion?: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Record<string, string>;
  confirmChangeset: boolean;
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

export async function resolveStackSettings(opts: StackFlags, defaults: StackDefaults, ctx: Context, git?: GitRunner): Promise<StackSettings> {
  const stage = await resolveStage(opts.stage, ctx.cwd, git);
  ctx.io.info(describeStage(stage));
  const { root } = await ctx.settings();
  const pick = (flag: string | undefined, fallback: string) => (flag ? path.resolve(ctx.cwd, flag) : path.join(root, fallback));
  const configFile = pick(opts.configFile, defaults.config);
  const sam = await loadSamConfig(configFile, Boolean(opts.configFile));
  let cfg: StageConfig = {};
  if (sam) {
    const section = sam.envs[stage.stage];
    if (!section && (defaults.sectionRequired === "always" || opts.configFile)) {
      throw new HdocError("USAGE", `${configFile} has no [${stage.stage}.deploy.parameters] section`, `add one${defaults.sectionHint}, or pick another stage with --stage (present: ${Object.keys(sam.envs).join(", ") || "none"})`);
    }
    cfg = section ?? {};
  } else {
    ctx.io.verbose(`${configFile} not found: using the defaults for stage ${stage.stage}`);
  }
  const s: StackSettings = {
    stage,
    root,
    templateFile: pick(opts.template, defaults.template),
    ...(sam ? { configFile } : {}),
    cfg,
    stackName: opts.stackName ?? cfg.stackName ?? defaults.stackName(stage.stage),
    ...(cfg.region ? { samRegion: cfg.region } : {}),
    parameters: {
      Stage: stage.stage,
      ...cfg.parameterOverrides,
      ...(opts.parameterOverrides !== undefined ? parseKeyValues(opts.parameterOverrides, "--parameter-overrides") : {}),
    },
    capabilities: opts.capabilities !== undefined ? parseCapabilities(opts.capabilities, "--capabilities") : (cfg.capabilities ?? defaults.capabilities),
    tags: { ...defaults.tags(stage.stage), ...cfg.tags, ...(opts.tags !== undefined ? parseKeyValues(opts.tags, "--tags") : {}) },
    confirmChangeset: opts.confirmChangeset ?? cfg.confirmChangeset ?? true,
  };
  if (!STACK_NAME.test(s.stackName)) {
    throw new HdocError("USAGE", `stack name ${JSON.stringify(s.stackName)} is not valid`, "letters, digits and '-', starting with a letter, at most 128 characters");
  }
  if (s.parameters.Stage !== stage.stage) {
    throw new HdocError("USAGE", `parameter Stage=${s.parameters.Stage} does not match the stage being deployed (${stage.stage})`, `use --stage ${s.parameters.Stage}, or drop Stage from the overrides`);
  }
  return s;
}
