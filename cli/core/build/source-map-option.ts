/**
 * `sam build`'s pairing of an esbuild source map with Node's `--enable-source-maps` (the SAM CLI's
 * EsbuildBundlerManager, samcli/lib/build/bundler.py), for functions with `Metadata: BuildMethod: esbuild`:
 *
 * - before the build: a function whose `BuildProperties` has no `Sourcemap` key (matched exactly, before
 *   the keys are normalised: `sourcemap` or `SourceMap` do not count) and whose `NODE_OPTIONS` (Globals
 *   applied, parameters resolved) holds `--enable-source-maps` as one of its words is built with
 *   `Sourcemap: true`;
 * - in the built template: a function whose `Sourcemap` is set to anything true (`true`, `inline`...)
 *   and whose `NODE_OPTIONS` does not hold the flag gets it appended to its own
 *   `Environment.Variables.NODE_OPTIONS` (created when missing), so Lambda maps stack traces; a
 *   `NODE_OPTIONS` that is not a string (an intrinsic) is left as it is, with a warning, as there.
 *
 * Where hdoc differs on purpose: the SAM CLI appends to the function's own value only, so a
 * `NODE_OPTIONS` that comes from `Globals` is replaced at deployment by ` --enable-source-maps` alone
 * (the function's variables override the Globals' one by one); hdoc appends to the value the function
 * has (the Globals' one when it has none of its own), so the other options are kept, and writes no
 * leading space. Where that value is an intrinsic from Globals, hdoc leaves it (with the warning)
 * instead of replacing it.
 */
import type { Json } from "../cfn/templates.ts";
import { isObj } from "../cfn/json.ts";
import { isIntrinsic } from "../cfn/template-body.ts";

export const ENABLE_SOURCE_MAPS = "--enable-source-maps";

/** bundler.py's `_is_node_option_set`: the flag is one of the value's whitespace-separated words; a value that is not a string never holds it. */
export const enablesSourceMaps = (nodeOptions: unknown): boolean => typeof nodeOptions === "string" && nodeOptions.split(/\s+/).includes(ENABLE_SOURCE_MAPS);

/** A value as Python tests it (`if source_map:`): not None, False, 0, "", [] or {}. */
const pythonTruthy = (v: unknown): boolean =>
  v !== undefined && v !== null && v !== false && v !== 0 && v !== "" && !(Array.isArray(v) && v.length === 0) && !(isObj(v as Json) && Object.keys(v as object).length === 0);

interface EsbuildFunction {
  buildMethod?: string;
  buildProperties?: { [k: string]: unknown };
  /** The function's NODE_OPTIONS with Globals applied and parameters resolved, when it has a value known before deployment. */
  nodeOptions?: string;
}

/**
 * The BuildProperties a function is built with: as written, plus `Sourcemap: true` when `NODE_OPTIONS`
 * enables source maps and the template sets no `Sourcemap` (set_sourcemap_metadata_from_env). Added
 * last, as there, so it wins over a `sourcemap` key written otherwise.
 */
export function effectiveBuildProperties(fn: EsbuildFunction): { [k: string]: unknown } | undefined {
  if (fn.buildMethod !== "esbuild") return fn.buildProperties;
  const props = fn.buildProperties;
  if (props?.Sourcemap !== undefined && props.Sourcemap !== null) return props;
  if (!enablesSourceMaps(fn.nodeOptions)) return props;
  return { ...props, Sourcemap: true };
}

/** What the built template's NODE_OPTIONS of a function becomes: `set` (the new value), `invalid` (left as it is: why), or undefined (nothing to do). */
export type NodeOptionsEdit = { set: string } | { invalid: string } | undefined;

/**
 * `_set_sourcemap_env_from_metadata` for one function. `properties`: the function's properties with
 * Globals applied (what the deployed function gets).
 */
export function nodeOptionsEdit(fn: EsbuildFunction & { properties: { [k: string]: Json } }): NodeOptionsEdit {
  if (fn.buildMethod !== "esbuild" || !pythonTruthy(fn.buildProperties?.Sourcemap)) return undefined;
  if (enablesSourceMaps(fn.nodeOptions)) return undefined;
  const env = fn.properties.Environment;
  if (env !== undefined && env !== null && (!isObj(env) || isIntrinsic(env))) return { invalid: "its Environment is not a mapping" };
  const vars = isObj(env) ? env.Variables : undefined;
  if (vars !== undefined && vars !== null && (!isObj(vars) || isIntrinsic(vars))) return { invalid: "its Environment.Variables is not a mapping" };
  const current = isObj(vars) ? vars.NODE_OPTIONS : undefined;
  if (current === undefined || current === null || current === "") return { set: ENABLE_SOURCE_MAPS };
  if (typeof current !== "string") return { invalid: "its NODE_OPTIONS is not a string" };
  return { set: `${current} ${ENABLE_SOURCE_MAPS}` };
}

/** The warning for an edit left undone (one line, naming the function). */
export const nodeOptionsWarning = (where: string, why: string): string =>
  `${where}: Sourcemap is set but ${why}: ${ENABLE_SOURCE_MAPS} was not added to NODE_OPTIONS, so Lambda will not map stack traces (add it yourself)`;
