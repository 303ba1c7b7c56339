import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** The layers of cli/ (see docs/architecture.md): imports only point down. */
const up = (...groups) => ["error", { patterns: groups }];
/** no-restricted-imports does not see import(): the same rule for dynamic imports. */
const upDynamic = (pattern, message) => ["error", { selector: `ImportExpression > Literal[value=${pattern}]`, message }];
const COMMANDS = { group: ["**/commands/**", "**/main.ts", "**/program.ts", "**/build-main.ts"], message: "imports point down: core/, aws/ and ui/ never import the command layer" };
const RENDERING = { group: ["**/ui/table.ts", "**/ui/progress.ts", "**/ui/style.ts"], message: "core/ returns data; the command renders it (tables, progress, colours)" };
const CAPABILITIES = { regex: "^(\\.\\.?/)+(core/)?(mfa|codebuild|pipeline|build|dev|deploy)/", message: "this layer sits below the capabilities in core/<capability>/: it must not import them" };
const CORE_OR_AWS = { group: ["**/core/**", "**/aws/**"], message: "ui/ is the I/O port: it knows nothing of core/ or aws/" };

export default tseslint.config(
  { ignores: ["dist/**", ".hdoc/**", "**/node_modules/**", "coverage/**", "test/fixtures/**/build/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly", HDOC_VERSION: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error"],
    },
  },
  {
    // typed rules: a promise nobody awaits is a crash or a lost error waiting to happen
    files: ["cli/**/*.ts", "functions/**/*.ts"],
    ignores: ["**/*.test.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { "@typescript-eslint/no-floating-promises": "error", "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }] },
  },
  {
    files: ["cli/core/**/*.ts", "cli/aws/**/*.ts", "cli/ui/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-syntax": upDynamic("/(^|\\/)(commands\\/|(build-)?main\\.ts$|program\\.ts$)/", COMMANDS.message) },
  },
  { files: ["cli/core/**/*.ts"], ignores: ["**/*.test.ts"], rules: { "no-restricted-imports": up(COMMANDS, RENDERING) } },
  { files: ["cli/core/cfn/**/*.ts", "cli/core/fs/**/*.ts", "cli/core/settings.ts"], ignores: ["**/*.test.ts"], rules: { "no-restricted-imports": up(COMMANDS, RENDERING, CAPABILITIES) } },
  { files: ["cli/aws/**/*.ts"], ignores: ["**/*.test.ts"], rules: { "no-restricted-imports": up(COMMANDS, RENDERING, CAPABILITIES) } },
  { files: ["cli/ui/**/*.ts"], ignores: ["**/*.test.ts"], rules: { "no-restricted-imports": up(COMMANDS, CORE_OR_AWS) } },
  { files: ["bench/**", "scripts/**", "test/**", "**/*.test.ts", "bin/**"], rules: { "no-console": "off" } },
  // bin/hdoc.js is CommonJS (bin/package.json): it requires the build client, then import()s the CLI
  { files: ["bin/**/*.js"], languageOptions: { sourceType: "commonjs", globals: { require: "readonly", __dirname: "readonly" } }, rules: { "@typescript-eslint/no-require-imports": "off" } },
);
