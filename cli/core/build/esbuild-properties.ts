/**
 * What a function's bundle looks like: hdoc's own choices for a plain Node.js function, or, for
 * `Metadata: BuildMethod: esbuild`, its `BuildProperties` read as the SAM CLI and aws-lambda-builders
 * read them, so a template written for `sam build` gives the same kind of artifact here.
 *
 * The SAM CLI turns each key from PascalCase into snake_case (`Sourcemap` -> sourcemap, `SourceMap`
 * -> source_map) and passes it to the esbuild command line by the value's type: `true` is a flag,
 * `false` nothing at all, a string `--key=value`, a list `--key:item` per item. Without the key,
 * aws-lambda-builders adds `--minify`, `--format=cjs` and `--target=es2020`; there is no source map
 * unless asked for. What the esbuild command line then refuses (`--sourcemap=true`,
 * `--external=x`, `--target:x`) is refused here too, with the property's name.
 *
 * Where the artifact is concerned hdoc differs on purpose: an esm bundle is written as .mjs (the
 * SAM CLI writes .js, which Lambda loads as CommonJS unless OutExtension says otherwise), and the
 * Handler keeps its path.
 */
import { FunctionBuildError } from "./function-build-error.ts";
import { effectiveBuildProperties } from "./source-map-option.ts";

export type Sourcemap = false | "linked" | "inline" | "external" | "both";

/** The esbuild options that vary between functions: functions bundled in one run share all of them. */
export interface BundleSettings {
  format: "esm" | "cjs";
  target: string[];
  minify: boolean;
  sourcemap: Sourcemap;
  external: string[];
  /** "hdoc": module fields and conditions before main, no sources in the map, no legal comments; "sam": esbuild's defaults, as the SAM CLI runs it. */
  flavour: "hdoc" | "sam";
  /** BuildProperties.Banner's JavaScript (in place of hdoc's own createRequire banner for esm). */
  banner?: string;
}

/** hdoc's choices for the function, given the runtime's target (BuildProperties not read). */
export interface HdocDefaults {
  target: string;
  minify: boolean;
  sourcemap: Sourcemap;
  external: string[];
}

/** The properties this reads; UseNpmCi is a Node.js build property the esbuild workflow ignores. */
const READ = ["entry_points", "minify", "target", "sourcemap", "format", "external", "out_extension", "banner", "use_npm_ci"];
/** Set by aws-lambda-builders itself whatever the template says. */
const FIXED = ["bundle", "platform", "outdir"];

/** `SourceMap` -> `source_map`, as the SAM CLI normalises BuildProperties keys. */
export const snakeCase = (key: string): string => key.replace(/(?<!^)(?=[A-Z])/g, "_").toLowerCase();

const SOURCEMAP_VALUES = ["linked", "inline", "external", "both"];

/** `fn.nodeOptions`: its NODE_OPTIONS, which can turn the source map on (source-map-option.ts). */
export function bundleSettings(fn: { buildMethod?: string; buildProperties?: { [k: string]: unknown }; nodeOptions?: string }, hdoc: HdocDefaults): BundleSettings {
  if (fn.buildMethod !== "esbuild") return { format: "esm", target: [hdoc.target], minify: hdoc.minify, sourcemap: hdoc.sourcemap, external: hdoc.external, flavour: "hdoc" };
  const props = new Map<string, { key: string; value: unknown }>();
  for (const [key, value] of Object.entries(effectiveBuildProperties(fn) ?? {})) props.set(snakeCase(key), { key, value });
  const bad = (key: string, why: string) => new FunctionBuildError(`BuildProperties.${key} ${why}`);
  for (const [name, { key, value }] of props) {
    if (READ.includes(name) || FIXED.includes(name) || value === false) continue;
    throw bad(key, `is not supported by hdoc build (it reads ${["EntryPoints", "Minify", "Target", "Sourcemap", "Format", "External", "OutExtension", "Banner"].join(", ")})`);
  }
  const settings: BundleSettings = { format: "cjs", target: ["es2020"], minify: true, sourcemap: false, external: [], flavour: "sam" };

  const minify = props.get("minify");
  if (minify) {
    const v = minify.value;
    if (typeof v === "boolean") settings.minify = v;
    else if (v === "true" || v === "false") settings.minify = v === "true";
    else throw bad(minify.key, `must be true or false, not ${JSON.stringify(v)}`);
  }
  const sourcemap = props.get("sourcemap");
  if (sourcemap) {
    const v = sourcemap.value;
    if (typeof v === "boolean") settings.sourcemap = v ? "linked" : false;
    else if (typeof v === "string" && SOURCEMAP_VALUES.includes(v)) settings.sourcemap = v as Sourcemap;
    else throw bad(sourcemap.key, `must be true, false or one of ${SOURCEMAP_VALUES.join(", ")}, not ${JSON.stringify(v)}`);
  }
  const target = props.get("target");
  if (target?.value === false) settings.target = ["esnext"]; // the key is there, so no es2020: esbuild's own default
  else if (target) {
    const v = target.value;
    const list = typeof v === "string" ? v.split(",").map((t) => t.trim()) : [];
    if (!list.length || list.some((t) => !/^[a-z]+[0-9][0-9.]*$|^esnext$/i.test(t))) throw bad(target.key, `must be an esbuild target such as "es2020" or "node20" (comma-separated for several), not ${JSON.stringify(v)}`);
    settings.target = list;
  }
  const format = props.get("format");
  if (format && format.value !== false) { // false: no --format, esbuild's default for node (cjs)
    const v = format.value;
    if (v !== "cjs" && v !== "esm") throw bad(format.key, v === "iife" ? "iife gives Lambda no handler to call: use cjs or esm" : `must be cjs or esm, not ${JSON.stringify(v)}`);
    settings.format = v;
  }
  const external = props.get("external");
  if (external && external.value !== false) {
    const v = external.value;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x === "")) throw bad(external.key, `must be a list of package names, not ${JSON.stringify(v)}`);
    if (v.includes("./node_modules/*")) throw bad(external.key, `"./node_modules/*" (every dependency left out, installed beside the bundle) is not supported by hdoc build: list the packages`);
    settings.external = [...(v as string[])];
  }
  // The SAM documentation's ES module setup: Format esm, OutExtension [".js=.mjs"], and a Banner that
  // declares `require` for bundled CommonJS dependencies. hdoc writes esm as .mjs anyway; the Banner
  // replaces hdoc's own (both would declare `require`).
  const outExtension = props.get("out_extension");
  if (outExtension && outExtension.value !== false) {
    const v = outExtension.value;
    const list = Array.isArray(v) ? v : [v];
    const ok = settings.format === "esm" ? [".js=.mjs"] : [".js=.js"];
    if (!list.every((x) => typeof x === "string" && ok.includes(x.replace(/\s+/g, "")))) {
      throw bad(outExtension.key, settings.format === "esm" ? `can only be [".js=.mjs"] for Format esm (Lambda loads an ES module as .mjs), not ${JSON.stringify(v)}` : `${JSON.stringify(v)} would make Lambda load a CommonJS bundle as another kind of module: drop it, or use Format esm with [".js=.mjs"]`);
    }
  }
  const banner = props.get("banner");
  if (banner && banner.value !== false) {
    const v = banner.value;
    const list = Array.isArray(v) ? v : [v];
    if (!list.length || list.some((x) => typeof x !== "string" || !/^js=/.test(x))) throw bad(banner.key, `must be a list of "js=<code>" entries (esbuild's --banner:js=...), not ${JSON.stringify(v)}`);
    settings.banner = (list as string[]).map((x) => x.slice(3)).join("\n");
  }
  return settings;
}

/** The file name esbuild writes for a handler module: what the Lambda runtime loads as the settings' format. */
export const outputFileFor = (module: string, format: BundleSettings["format"]): string => `${module}${format === "esm" ? ".mjs" : ".js"}`;
