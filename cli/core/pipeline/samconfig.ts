/**
 * cicd/samconfig.toml, in the SAM CLI's own format: `version = 0.1` and one `[<env>.deploy.parameters]`
 * table per stage (values in `[<env>.global.parameters]` apply underneath). Only the keys hdoc uses are
 * read and checked; SAM's other keys are kept out of the way. Every problem names the file and key.
 */
import { readFile } from "node:fs/promises";
import { parse as parseToml } from "smol-toml";
import { HdocError } from "../../errors.ts";

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
const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * Parses SAM's `Key=Value Key2="v w" Key3='x'` form (or a list of `Key=Value` strings) into a map.
 * `where` names the file and key in errors.
 */
export function parseKeyValues(input: string | string[], where: string): Record<string, string> {
  const out: Record<string, string> = {};
  const items = Array.isArray(input) ? input : [input];
  for (const item of items) {
    if (typeof item !== "string") throw new HdocError("USAGE", `${where}: expected Key=Value strings, got ${JSON.stringify(item)}`);
    let i = 0;
    const s = item;
    while (i < s.length) {
      while (i < s.length && /\s/.test(s[i]!)) i++;
      if (i >= s.length) break;
      const start = i;
      while (i < s.length && s[i] !== "=" && !/\s/.test(s[i]!)) i++;
      const key = s.slice(start, i);
      if (s[i] !== "=" || !key) {
        const word = s.slice(start).split(/\s/)[0];
        throw new HdocError("USAGE", `${where}: expected Key=Value, got ${JSON.stringify(word)}`, `write it as Key=Value or Key="value with spaces"`);
      }
      i++; // '='
      let value = "";
      const q = s[i];
      if (q === '"' || q === "'") {
        i++;
        let closed = false;
        while (i < s.length) {
          const c = s[i]!;
          if (q === '"' && c === "\\" && i + 1 < s.length) { value += s[i + 1]; i += 2; continue; }
          if (c === q) { closed = true; i++; break; }
          value += c;
          i++;
        }
        if (!closed) throw new HdocError("USAGE", `${where}: unterminated quote in the value of ${key}`, `close the ${q} after the value`);
        if (i < s.length && !/\s/.test(s[i]!)) throw new HdocError("USAGE", `${where}: expected a space after the quoted value of ${key}`);
      } else {
        const vStart = i;
        while (i < s.length && !/\s/.test(s[i]!)) i++;
        value = s.slice(vStart, i);
      }
      out[key] = value;
    }
  }
  return out;
}

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
  throw new HdocError("USAGE", `${where} must be a string or a list of strings, got ${JSON.stringify(v)}`);
}

function stageConfig(params: Table, where: string): StageConfig {
  const cfg: StageConfig = {};
  const str = (key: string, pattern?: RegExp, describe?: string): string | undefined => {
    const v = params[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || (pattern && !pattern.test(v))) {
      throw new HdocError("USAGE", `${where} ${key} must be ${describe ?? "a string"}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  cfg.stackName = str("stack_name", STACK_NAME, "a stack name (letters, digits and '-', starting with a letter)");
  cfg.region = str("region", REGION, "an AWS region such as us-east-1");
  cfg.s3Bucket = str("s3_bucket");
  cfg.s3Prefix = str("s3_prefix");
  cfg.roleArn = str("role_arn");
  if (params.confirm_changeset !== undefined) {
    if (typeof params.confirm_changeset !== "boolean") throw new HdocError("USAGE", `${where} confirm_changeset must be true or false, got ${JSON.stringify(params.confirm_changeset)}`);
    cfg.confirmChangeset = params.confirm_changeset;
  }
  if (params.capabilities !== undefined) cfg.capabilities = parseCapabilities(stringOrList(params.capabilities, `${where} capabilities`), `${where} capabilities`);
  if (params.parameter_overrides !== undefined) cfg.parameterOverrides = parseKeyValues(stringOrList(params.parameter_overrides, `${where} parameter_overrides`), `${where} parameter_overrides`);
  if (params.tags !== undefined) cfg.tags = parseKeyValues(stringOrList(params.tags, `${where} tags`), `${where} tags`);
  for (const k of Object.keys(cfg) as Array<keyof StageConfig>) if (cfg[k] === undefined) delete cfg[k];
  return cfg;
}

export function parseSamConfig(text: string, file: string): SamConfig {
  let raw: Table;
  try {
    raw = parseToml(text) as Table;
  } catch (e) {
    const first = (e as Error).message.split("\n")[0];
    throw new HdocError("USAGE", `${file} is not valid TOML: ${first}`, "fix the file; its format is the SAM CLI's samconfig.toml");
  }
  if (raw.version === undefined) throw new HdocError("USAGE", `${file}: version is missing`, "add `version = 0.1` at the top, as the SAM CLI expects");
  if (typeof raw.version !== "number" || raw.version !== 0.1) throw new HdocError("USAGE", `${file}: version must be 0.1, got ${JSON.stringify(raw.version)}`);
  const envs: Record<string, StageConfig> = {};
  for (const [env, body] of Object.entries(raw)) {
    if (env === "version") continue;
    if (!isTable(body)) throw new HdocError("USAGE", `${file}: ${env} must be a table such as [${env}.deploy.parameters]`);
    const globalParams = isTable(body.global) && isTable(body.global.parameters) ? body.global.parameters : {};
    const deploy = body.deploy;
    if (deploy !== undefined && !(isTable(deploy) && isTable(deploy.parameters))) {
      throw new HdocError("USAGE", `${file}: [${env}.deploy] must hold a [${env}.deploy.parameters] table`);
    }
    const deployParams = isTable(deploy) && isTable(deploy.parameters) ? deploy.parameters : {};
    envs[env] = stageConfig({ ...globalParams, ...deployParams }, `${file}: [${env}.deploy.parameters]`);
  }
  return { file, version: raw.version, envs };
}

/** Reads the file; a missing file is `undefined` unless `required` (then NOT_FOUND). */
export async function loadSamConfig(file: string, required: boolean): Promise<SamConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    if (required) throw new HdocError("NOT_FOUND", `config file ${file} does not exist`, "pass --config-file with the path of a samconfig.toml, or omit it to use cicd/samconfig.toml");
    return undefined;
  }
  return parseSamConfig(text, file);
}
