/**
 * `--env-vars env.json` as the SAM CLI reads it: `{ "<FunctionLogicalId>": { "VAR": "value" },
 * "Parameters": { "VAR": "value" } }`. "Parameters" applies to every function, a function's own
 * entry (by logical id, or by nested id such as "Api/GetUserFunction") wins over it, and, as in SAM,
 * only variables the template declares for the function are overridden; others are ignored.
 * Numbers and booleans are taken as their text; anything else is refused.
 */
import { readFileSync } from "node:fs";
import { utf8OrRefuse } from "../fs/utf8.ts";
import { HdocError } from "../../errors.ts";
import { isObj } from "../cfn/json.ts";

export type EnvOverrides = Record<string, Record<string, string>>;

const USAGE = `e.g. { "GetUserFunction": { "TABLE_NAME": "local-users" }, "Parameters": { "STAGE": "dev" } }`;

/** Parses the file's text; `shown` names it in errors. */
export function parseEnvVars(text: string, shown: string): EnvOverrides {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new HdocError("USAGE", `--env-vars ${shown} is not valid JSON: ${(e as Error).message}`, USAGE);
  }
  if (!isObj(doc)) throw new HdocError("USAGE", `--env-vars ${shown} must hold an object of function -> variables`, USAGE);
  const out: EnvOverrides = {};
  for (const [key, vars] of Object.entries(doc)) {
    if (!isObj(vars)) throw new HdocError("USAGE", `--env-vars ${shown}: "${key}" must be an object of variable -> value`, USAGE);
    out[key] = {};
    for (const [name, v] of Object.entries(vars)) {
      if (typeof v === "string") out[key][name] = v;
      else if (typeof v === "number" || typeof v === "boolean") out[key][name] = String(v);
      else throw new HdocError("USAGE", `--env-vars ${shown}: ${key}.${name} must be a string, number or boolean (got ${v === null ? "null" : Array.isArray(v) ? "a list" : typeof v})`, USAGE);
    }
  }
  return out;
}

export function readEnvVars(file: string, shown: string): EnvOverrides {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new HdocError("NOT_FOUND", `--env-vars ${shown} cannot be read`, "pass the path of a JSON file, e.g. --env-vars env.json");
  }
  return parseEnvVars(utf8OrRefuse(bytes, `--env-vars ${shown}`, "USAGE", "JSON files are UTF-8"), shown);
}

/** The variables of one function after the overrides: only names in `declared` change. */
export function applyEnvVars(declared: Record<string, string>, declaredNames: string[], overrides: EnvOverrides, fn: { logicalId: string; id: string }): Record<string, string> {
  const wins = { ...overrides.Parameters, ...overrides[fn.logicalId], ...(fn.id !== fn.logicalId ? overrides[fn.id] : {}) };
  const out = { ...declared };
  for (const name of declaredNames) if (name in wins) out[name] = wins[name]!;
  return out;
}
