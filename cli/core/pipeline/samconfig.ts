/**
 * cicd/samconfig.toml, read as the SAM CLI reads it: a float `version` (0.1, 1.0...), then per
 * environment `[<env>.deploy.parameters]` over `[<env>.global.parameters]` (the SAM CLI merges only
 * these two, and nothing from `[default]` into another environment). Only the environment in use is
 * read and checked (SAM never looks at the others, so a problem in [prod] does not stop --stage dev),
 * only the keys hdoc uses, and every problem names the file and key. parameter_overrides and tags
 * take every form the SAM CLI takes (sam-key-values.ts).
 */
import { readFile } from "node:fs/promises";
import { parse as parseToml } from "smol-toml";
import { HdocError } from "../../errors.ts";
import { utf8OrRefuse } from "../fs/utf8.ts";
import { parseParameterOverrides, parseTags } from "./sam-key-values.ts";

export interface StageConfig {
  stackName?: string;
  region?: string;
  confirmChangeset?: boolean;
  capabilities?: string[];
  parameterOverrides?: Record<string, string>;
  tags?: Record<string, string>;
  s3Bucket?: string;
  s3Prefix?: string;
  /** SAM's role_arn: the role CloudFormation deploys with (read by `hdoc deploy`). */
  roleArn?: string;
}

export interface SamConfig {
  file: string;
  version: number;
  /** Keyed by SAM environment name (dev, staging, prod, ...). */
  envs: Record<string, StageConfig>;
}

const CAPABILITIES = new Set(["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND", "CAPABILITY_RESOURCE_POLICY"]);
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

type Table = Record<string, unknown>;
/** A TOML value in an error message (integers are BigInt here). */
const show = (v: unknown): string => (typeof v === "bigint" ? v.toString() : JSON.stringify(v));
const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** --parameter-overrides / --tags on the command line: the same forms as the SAM CLI's flags. */
export const parseKeyValues = (input: string | string[], where: string): Record<string, string> => parseParameterOverrides(input, where);
export { parseParameterOverrides, parseTags };

/** Capabilities as SAM accepts them: "CAPABILITY_IAM CAPABILITY_AUTO_EXPAND" or a list. */
export function parseCapabilities(input: string | string[], where: string): string[] {
  const list = (Array.isArray(input) ? input : input.split(/[\s,]+/)).map((c) => String(c).trim()).filter(Boolean);
  for (const c of list) {
    if (!CAPABILITIES.has(c)) throw new HdocError("USAGE", `${where}: unknown capability ${JSON.stringify(c)}`, `known: ${[...CAPABILITIES].join(", ")}`);
  }
  return [...new Set(list)];
}

function stringOrList(v: unknown, where: string): string | string[] {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  throw new HdocError("USAGE", `${where} must be a string or a list of strings, got ${show(v)}`);
}

function stageConfig(params: Table, where: string): StageConfig {
  const cfg: StageConfig = {};
  const str = (key: string, pattern?: RegExp, describe?: string): string | undefined => {
    const v = params[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || (pattern && !pattern.test(v))) {
      throw new HdocError("USAGE", `${where} ${key} must be ${describe ?? "a string"}, got ${show(v)}`);
    }
    return v;
  };
  cfg.stackName = str("stack_name", STACK_NAME, "a stack name (letters, digits and '-', starting with a letter)");
  cfg.region = str("region", REGION, "an AWS region such as us-east-1");
  cfg.s3Bucket = str("s3_bucket");
  cfg.s3Prefix = str("s3_prefix");
  cfg.roleArn = str("role_arn");
  if (params.confirm_changeset !== undefined) {
    if (typeof params.confirm_changeset !== "boolean") throw new HdocError("USAGE", `${where} confirm_changeset must be true or false, got ${show(params.confirm_changeset)}`);
    cfg.confirmChangeset = params.confirm_changeset;
  }
  if (params.capabilities !== undefined) cfg.capabilities = parseCapabilities(stringOrList(params.capabilities, `${where} capabilities`), `${where} capabilities`);
  if (params.parameter_overrides !== undefined) cfg.parameterOverrides = parseParameterOverrides(params.parameter_overrides, `${where} parameter_overrides`);
  if (params.tags !== undefined) cfg.tags = parseTags(params.tags, `${where} tags`);
  for (const k of Object.keys(cfg) as Array<keyof StageConfig>) if (cfg[k] === undefined) delete cfg[k];
  return cfg;
}

export function parseSamConfig(text: string, file: string): SamConfig {
  let raw: Table;
  try {
    raw = parseToml(text, { integersAsBigInt: true }) as Table;
  } catch (e) {
    const first = (e as Error).message.split("\n")[0];
    throw new HdocError("USAGE", `${file} is not valid TOML: ${first}`, "fix the file; its format is the SAM CLI's samconfig.toml");
  }
  if (raw.version === undefined) throw new HdocError("USAGE", `${file}: version is missing`, "add `version = 0.1` at the top, as the SAM CLI expects");
  if (typeof raw.version !== "number") throw new HdocError("USAGE", `${file}: version must be a number with a decimal point such as 0.1, got ${show(raw.version)}`, "write `version = 0.1`, as the SAM CLI does");
  const envs: Record<string, StageConfig> = {};
  for (const [env, body] of Object.entries(raw)) {
    if (env === "version") continue;
    // Each environment is checked when it is used (as the SAM CLI reads only the one in use).
    let memo: StageConfig | undefined;
    Object.defineProperty(envs, env, { enumerable: true, get: () => (memo ??= environment(env, body, file)) });
  }
  return { file, version: raw.version, envs };
}

function environment(env: string, body: unknown, file: string): StageConfig {
  if (!isTable(body)) throw new HdocError("USAGE", `${file}: ${env} must be a table such as [${env}.deploy.parameters]`);
  const section = (name: string) => {
    const t = body[name];
    if (t === undefined) return {};
    if (!isTable(t)) throw new HdocError("USAGE", `${file}: [${env}.${name}] must be a table`);
    const p = t.parameters;
    if (p === undefined) return {};
    if (!isTable(p)) throw new HdocError("USAGE", `${file}: [${env}.${name}.parameters] must be a table`);
    return p;
  };
  return stageConfig({ ...section("global"), ...section("deploy") }, `${file}: [${env}.deploy.parameters]`);
}

/** Reads the file; a missing file is `undefined` unless `required` (then NOT_FOUND). */
export async function loadSamConfig(file: string, required: boolean): Promise<SamConfig | undefined> {
  let text: string;
  try {
    text = utf8OrRefuse(await readFile(file), file, "USAGE", "TOML files are UTF-8, and the SAM CLI reads samconfig.toml only as UTF-8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    if (required) throw new HdocError("NOT_FOUND", `config file ${file} does not exist`, "pass --config-file with the path of a samconfig.toml, or omit it to use cicd/samconfig.toml");
    return undefined;
  }
  return parseSamConfig(text, file);
}
