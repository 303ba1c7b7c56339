/**
 * BuildProperties of `BuildMethod: esbuild` read as the SAM CLI (key normalisation in
 * samlib/resource_metadata_normalizer.py) and aws-lambda-builders (nodejs_npm_esbuild/esbuild.py:
 * defaults, value type -> flag) read them. Cases from aws-lambda-builders'
 * tests/unit/workflows/nodejs_npm_esbuild/test_esbuild.py, the SAM CLI's
 * tests/unit/lib/build_module/test_app_builder.py and tests/integration/testdata/buildcmd/
 * template_with_metadata_esbuild.yaml; what the esbuild 0.28 command line refuses was checked on this machine.
 */
import { describe, expect, it } from "vitest";
import { bundleSettings, outputFileFor, snakeCase, type BundleSettings } from "./esbuild-properties.ts";

const HDOC = { target: "node22", minify: true, sourcemap: "linked" as const, external: ["@aws-sdk/*", "@smithy/*"] };
const SAM_DEFAULTS: BundleSettings = { format: "cjs", target: ["es2020"], minify: true, sourcemap: false, external: [], flavour: "sam" };
const esbuild = (buildProperties?: Record<string, unknown>) => bundleSettings({ buildMethod: "esbuild", buildProperties }, HDOC);

describe("bundleSettings", () => {
  it("keeps hdoc's own choices for a function without BuildMethod esbuild, whatever BuildProperties say", () => {
    expect(bundleSettings({ buildProperties: { Minify: false, Format: "cjs" } }, HDOC)).toEqual({ format: "esm", target: ["node22"], minify: true, sourcemap: "linked", external: HDOC.external, flavour: "hdoc" });
    expect(bundleSettings({ buildMethod: "makefile" }, HDOC).format).toBe("esm");
  });

  const cases: Array<[string, Record<string, unknown> | undefined, Partial<BundleSettings>]> = [
    ["no BuildProperties: --minify --format=cjs --target=es2020, no source map (test_builds_default_values)", undefined, {}],
    ["only EntryPoints: the same defaults", { EntryPoints: ["app.ts"] }, {}],
    ["template_with_metadata_esbuild.yaml: Minify true, Target es2020, Sourcemap true", { Minify: true, Target: "es2020", Sourcemap: true }, { sourcemap: "linked" }],
    ["test_app_builder: Minify false, Target es2017, SourceMap false (false emits nothing)", { Minify: false, Target: "es2017", SourceMap: false }, { minify: false, target: ["es2017"] }],
    ["test_builds_args_from_config (the subset hdoc reads)", { Minify: true, Sourcemap: false, Format: "esm", Target: "node20", External: ["aws-sdk", "axios"] }, { format: "esm", target: ["node20"], external: ["aws-sdk", "axios"] }],
    ["Format esm alone keeps --minify and --target=es2020 (test_combined_builder_with_dependencies)", { Format: "esm" }, { format: "esm" }],
    ["keys are normalised to snake_case: minify is Minify", { minify: false }, { minify: false }],
    ["a string true/false for Minify (--minify=false is accepted by esbuild)", { Minify: "false" }, { minify: false }],
    ["Sourcemap inline / external / both", { Sourcemap: "inline" }, { sourcemap: "inline" }],
    ["Sourcemap external", { Sourcemap: "external" }, { sourcemap: "external" }],
    ["Target as esbuild's comma-separated list", { Target: "es2020,node18" }, { target: ["es2020", "node18"] }],
    ["Target false: the key is there, so no es2020; esbuild's default esnext", { Target: false }, { target: ["esnext"] }],
    ["Format false: no --format, esbuild's node default cjs", { Format: false }, {}],
    ["External false: nothing", { External: false }, {}],
    ["UseNpmCi is ignored by the esbuild workflow; Bundle/Platform/Outdir are set by aws-lambda-builders", { UseNpmCi: true, Bundle: true, Platform: "browser", Outdir: "x" }, {}],
    ["an unknown property set to false emits nothing", { Loader: false, SourcesContent: false }, {}],
  ];
  it.each(cases)("%s", (_name, props, expected) => {
    expect(esbuild(props)).toEqual({ ...SAM_DEFAULTS, ...expected });
  });

  const refused: Array<[string, Record<string, unknown>, RegExp]> = [
    ["Sourcemap \"true\" (esbuild refuses --sourcemap=true)", { Sourcemap: "true" }, /^BuildProperties\.Sourcemap must be true, false or one of linked, inline, external, both, not "true"$/],
    ["Minify yes as a string", { Minify: "yes" }, /^BuildProperties\.Minify must be true or false/],
    ["Minify as a number (no esbuild flag for it)", { Minify: 1 }, /^BuildProperties\.Minify must be true or false, not 1$/],
    ["Target as a list (--target:node18 is refused by esbuild)", { Target: ["node18"] }, /^BuildProperties\.Target must be an esbuild target/],
    ["Target as a number", { Target: 2020 }, /^BuildProperties\.Target must be an esbuild target/],
    ["Format iife (esbuild accepts it, Lambda finds no handler)", { Format: "iife" }, /^BuildProperties\.Format iife gives Lambda no handler to call/],
    ["Format module", { Format: "module" }, /^BuildProperties\.Format must be cjs or esm, not "module"$/],
    ["External as one string (--external=axios is refused by esbuild)", { External: "axios" }, /^BuildProperties\.External must be a list of package names/],
    ["External ./node_modules/* (dependencies installed beside the bundle)", { External: ["./node_modules/*"] }, /"\.\/node_modules\/\*".*not supported by hdoc build/],
    ["a property hdoc does not read (Loader), rather than a silently different bundle", { Loader: [".proto=text"] }, /^BuildProperties\.Loader is not supported by hdoc build \(it reads EntryPoints, Minify, Target, Sourcemap, Format, External\)$/],
    ["SourceMap: true (normalised to source_map, an esbuild flag that does not exist)", { SourceMap: true }, /^BuildProperties\.SourceMap is not supported/],
  ];
  it.each(refused)("refuses %s", (_name, props, message) => {
    expect(() => esbuild(props)).toThrow(message);
  });

  it("normalises keys as the SAM CLI does", () => {
    expect(["EntryPoints", "Minify", "SourceMap", "Sourcemap", "UseNpmCi", "minify", "OutExtension"].map(snakeCase)).toEqual(["entry_points", "minify", "source_map", "sourcemap", "use_npm_ci", "minify", "out_extension"]);
  });

  it("names the artifact file as the Lambda runtime loads the format: esm .mjs, cjs .js", () => {
    expect([outputFileFor("src/app", "esm"), outputFileFor("src/app", "cjs")]).toEqual(["src/app.mjs", "src/app.js"]);
  });
});
