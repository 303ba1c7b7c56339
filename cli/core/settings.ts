/**
 * Project settings (hdoc.config.json at the repository root) and the precedence every setting
 * follows: flag > environment > project file > AWS config > default.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { HdocError } from "../errors.ts";
import { utf8OrRefuse } from "./fs/utf8.ts";
import { didYouMean } from "../suggest.ts";

export const CONFIG_FILE = "hdoc.config.json";

export interface ProjectFile {
  appName?: string;
  region?: string;
  sourceProfile?: string;
  targetProfile?: string;
}

export interface ProjectSettings {
  /** The folder holding hdoc.config.json (or the current folder when there is none). */
  root: string;
  /** The file read, when there was one. */
  file?: string;
  values: ProjectFile;
}

const KEYS: Record<keyof ProjectFile, { pattern: RegExp; describe: string }> = {
  appName: { pattern: /^[a-z][a-z0-9-]{0,30}$/, describe: "lower-case letters, digits and '-', starting with a letter" },
  region: { pattern: /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, describe: "an AWS region such as us-east-1" },
  sourceProfile: { pattern: /^[\w+=,.@-]{1,64}$/, describe: "a profile name" },
  targetProfile: { pattern: /^[\w+=,.@-]{1,64}$/, describe: "a profile name" },
};

export const DEFAULTS = { appName: "hdoc", region: "us-east-1", sourceProfile: "default", targetProfile: "mfa" } as const;

/** Finds the project root: $HDOC_CONFIG's folder, else the nearest folder upwards with hdoc.config.json. */
export function findProjectRoot(cwd: string, env: NodeJS.ProcessEnv): { root: string; file?: string } {
  if (env.HDOC_CONFIG) {
    const file = path.resolve(cwd, env.HDOC_CONFIG);
    if (!existsSync(file)) throw new HdocError("USAGE", `HDOC_CONFIG points at ${file}, which does not exist`, "unset HDOC_CONFIG or point it at an hdoc.config.json");
    return { root: path.dirname(file), file };
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, CONFIG_FILE);
    if (existsSync(file)) return { root: dir, file };
    if (path.dirname(dir) === dir) return { root: path.resolve(cwd) };
  }
}

/** Parses and validates a settings file's text; every problem is one clear line naming the file. */
export function parseProjectFile(text: string, file: string): ProjectFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new HdocError("USAGE", `${file} is not valid JSON: ${(e as Error).message}`, "fix the file or delete it to use the defaults");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new HdocError("USAGE", `${file} must hold a JSON object`, `e.g. { "region": "us-east-1", "targetProfile": "mfa" }`);
  }
  const out: ProjectFile = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === "$schema") continue;
    const rule = KEYS[key as keyof ProjectFile];
    if (!rule) {
      const near = didYouMean(key, Object.keys(KEYS));
      throw new HdocError("USAGE", `${file}: unknown setting "${key}"`, `${near ? `${near} ` : ""}known settings: ${Object.keys(KEYS).join(", ")}`);
    }
    if (typeof value !== "string" || !rule.pattern.test(value)) {
      throw new HdocError("USAGE", `${file}: "${key}" must be ${rule.describe}, got ${JSON.stringify(value)}`);
    }
    out[key as keyof ProjectFile] = value;
  }
  return out;
}

export async function loadProjectSettings(cwd: string, env: NodeJS.ProcessEnv): Promise<ProjectSettings> {
  const { root, file } = findProjectRoot(cwd, env);
  if (!file) return { root, values: {} };
  return { root, file, values: parseProjectFile(utf8OrRefuse(await readFile(file), file, "USAGE", "JSON files are UTF-8"), file) };
}

export type Source = "flag" | "environment" | "samconfig" | "project file" | "AWS config" | "default";
export interface Resolved<T> { value: T; source: Source }

/** Where a setting came from, in words a user can act on. */
const FROM: Record<Source, (key: SettingKey) => string> = {
  flag: (k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  environment: () => "the environment",
  samconfig: () => "samconfig.toml",
  "project file": () => CONFIG_FILE,
  "AWS config": () => "the AWS config file",
  default: () => "the default",
};

export type SettingKey = keyof ProjectFile;

/**
 * The first defined value in precedence order. With `key`, the value is checked by the same rule
 * wherever it came from (flag, environment, project file, AWS config), and refused naming its source.
 */
export function resolveSetting<T>(candidates: Array<[Source, T | undefined | null | ""]>, fallback: T, key?: SettingKey): Resolved<T> {
  for (const [source, value] of candidates) {
    if (value === undefined || value === null || value === "") continue;
    const rule = key ? KEYS[key] : undefined;
    if (rule && key && (typeof value !== "string" || !rule.pattern.test(value))) {
      throw new HdocError("USAGE", `${JSON.stringify(value)} (from ${FROM[source](key)}) is not ${rule.describe}`, `fix ${FROM[source](key)}; ${key} must be ${rule.describe}`);
    }
    return { value: value as T, source };
  }
  return { value: fallback, source: "default" };
}
