/**
 * The Sourcemap / NODE_OPTIONS pairing of `sam build` for `BuildMethod: esbuild`, from the SAM CLI's
 * samcli/lib/build/bundler.py (EsbuildBundlerManager: `_is_node_option_set`,
 * `set_sourcemap_metadata_from_env`, `_set_sourcemap_env_from_metadata`) and its unit tests
 * (tests/unit/lib/build_module/test_bundler.py); the rows marked "hdoc differs" are the ones where
 * hdoc keeps a Globals value the SAM CLI would override (see source-map-option.ts).
 */
import { describe, expect, it } from "vitest";
import type { Json } from "../cfn/templates.ts";
import { effectiveBuildProperties, enablesSourceMaps, nodeOptionsEdit, type NodeOptionsEdit } from "./source-map-option.ts";

describe("enablesSourceMaps (_is_node_option_set)", () => {
  it.each([
    ["--enable-source-maps", true], // test_is_node_option_set
    ["nothing", false], // test_is_node_option_set
    [undefined, false], // test_enable_source_map_missing
    ["--max-old-space-size=256 --enable-source-maps", true],
    ["  --enable-source-maps\t", true],
    ["--enable-source-maps=true", false], // a word of its own, not a prefix
    ["--no-enable-source-maps", false],
    [["--enable-source-maps"], false], // a list is not a string (AttributeError: no)
    [{ Ref: "NodeOptions" }, false],
  ])("%j -> %s", (value, expected) => {
    expect(enablesSourceMaps(value)).toBe(expected);
  });
});

describe("effectiveBuildProperties (set_sourcemap_metadata_from_env)", () => {
  const cases: Array<[string, { buildMethod?: string; buildProperties?: { [k: string]: Json }; nodeOptions?: string }, { [k: string]: Json } | undefined]> = [
    ["no Sourcemap, NODE_OPTIONS enables source maps: Sourcemap true (test_enable_source_maps_only_node_options)", { buildMethod: "esbuild", nodeOptions: "--enable-source-maps" }, { Sourcemap: true }],
    ["the same with other BuildProperties: added last", { buildMethod: "esbuild", buildProperties: { Minify: false }, nodeOptions: "--x --enable-source-maps" }, { Minify: false, Sourcemap: true }],
    ["Sourcemap false is kept (the template's word wins)", { buildMethod: "esbuild", buildProperties: { Sourcemap: false }, nodeOptions: "--enable-source-maps" }, { Sourcemap: false }],
    ["Sourcemap with an empty value counts as absent (Python's None)", { buildMethod: "esbuild", buildProperties: { Sourcemap: null }, nodeOptions: "--enable-source-maps" }, { Sourcemap: true }],
    ["a lower-case sourcemap key is not Sourcemap: Sourcemap true is added after it", { buildMethod: "esbuild", buildProperties: { sourcemap: false }, nodeOptions: "--enable-source-maps" }, { sourcemap: false, Sourcemap: true }],
    ["no flag in NODE_OPTIONS: as written", { buildMethod: "esbuild", buildProperties: { Minify: true }, nodeOptions: "--max-old-space-size=256" }, { Minify: true }],
    ["no NODE_OPTIONS: as written (none)", { buildMethod: "esbuild" }, undefined],
    ["not BuildMethod esbuild: as written", { buildProperties: { Minify: true }, nodeOptions: "--enable-source-maps" }, { Minify: true }],
  ];
  it.each(cases)("%s", (_name, fn, expected) => {
    expect(effectiveBuildProperties(fn)).toEqual(expected);
  });
});

describe("nodeOptionsEdit (_set_sourcemap_env_from_metadata)", () => {
  type Fn = Parameters<typeof nodeOptionsEdit>[0];
  const esbuild = (buildProperties: { [k: string]: Json } | undefined, properties: { [k: string]: Json }, nodeOptions?: string): Fn => ({ buildMethod: "esbuild", buildProperties, properties, nodeOptions });
  const cases: Array<[string, Fn, NodeOptionsEdit]> = [
    ["Sourcemap true, no Environment: NODE_OPTIONS created (test_enable_source_maps_only_source_map)", esbuild({ Sourcemap: true }, {}), { set: "--enable-source-maps" }],
    ["Sourcemap true, NODE_OPTIONS --something: appended (test_enable_source_maps_only_source_map)", esbuild({ Sourcemap: true }, { Environment: { Variables: { NODE_OPTIONS: "--something" } } }, "--something"), { set: "--something --enable-source-maps" }],
    ["Sourcemap true, other variables but no NODE_OPTIONS: added beside them", esbuild({ Sourcemap: true }, { Environment: { Variables: { TABLE: "t" } } }), { set: "--enable-source-maps" }],
    ["Sourcemap inline (any true value)", esbuild({ Sourcemap: "inline" }, {}), { set: "--enable-source-maps" }],
    ["Sourcemap true and the flag already there: nothing", esbuild({ Sourcemap: true }, { Environment: { Variables: { NODE_OPTIONS: "--enable-source-maps" } } }, "--enable-source-maps"), undefined],
    ["Sourcemap true and the flag from a parameter (resolved): nothing", esbuild({ Sourcemap: true }, { Environment: { Variables: { NODE_OPTIONS: { Ref: "NodeOptions" } } } }, "--enable-source-maps"), undefined],
    ["Sourcemap false: nothing", esbuild({ Sourcemap: false }, {}), undefined],
    ["no Sourcemap (a lower-case key is not read by bundler.py): nothing", esbuild({ sourcemap: true }, {}), undefined],
    ["no BuildProperties: nothing", esbuild(undefined, {}), undefined],
    ["not BuildMethod esbuild: nothing", { buildProperties: { Sourcemap: true }, properties: {} }, undefined],
    ["NODE_OPTIONS a list: left, with a warning (test_warnings_printed)", esbuild({ Sourcemap: true }, { Environment: { Variables: { NODE_OPTIONS: ["--something"] } } }), { invalid: "its NODE_OPTIONS is not a string" }],
    ["NODE_OPTIONS an intrinsic without the flag: left, with a warning", esbuild({ Sourcemap: true }, { Environment: { Variables: { NODE_OPTIONS: { "Fn::Sub": "${Opts}" } } } }), { invalid: "its NODE_OPTIONS is not a string" }],
    ["Variables an intrinsic: left, with a warning", esbuild({ Sourcemap: true }, { Environment: { Variables: { "Fn::If": ["C", {}, {}] } } }), { invalid: "its Environment.Variables is not a mapping" }],
    ["Environment an intrinsic: left, with a warning", esbuild({ Sourcemap: true }, { Environment: { Ref: "AWS::NoValue" } }), { invalid: "its Environment is not a mapping" }],
    // hdoc differs: SAM writes " --enable-source-maps" on the function, which replaces the Globals' value at deployment
    ["NODE_OPTIONS only in Globals (merged into properties): the Globals' value is kept and the flag appended", esbuild({ Sourcemap: true }, { Environment: { Variables: { NODE_OPTIONS: "--stack-trace-limit=50", FROM_GLOBALS: "x" } } }, "--stack-trace-limit=50"), { set: "--stack-trace-limit=50 --enable-source-maps" }],
  ];
  it.each(cases)("%s", (_name, fn, expected) => {
    expect(nodeOptionsEdit(fn)).toEqual(expected);
  });
});
