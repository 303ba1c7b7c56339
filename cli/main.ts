/**
 * The hdoc program with every command (the lazy registry in commands/index.ts): what bin/hdoc.js runs
 * for every command but `hdoc build`, which it runs from build-main.ts, and what the build server loads.
 */
import { COMMANDS, GROUPS } from "./commands/index.ts";
import { createProgram as programOf, runProgram, type ProgramDeps, type Registry } from "./program.ts";
export { usageError, type ProgramDeps } from "./program.ts";

const EVERY_COMMAND: Registry = { commands: COMMANDS, groups: GROUPS };

export const createProgram = (deps: ProgramDeps) => programOf(deps, EVERY_COMMAND);

/** Runs hdoc with argv and returns the exit code; never calls process.exit itself. */
export const cli = (argv: string[], overrides: Partial<ProgramDeps> = {}): Promise<number> => runProgram(argv, overrides, EVERY_COMMAND);

/**
 * For the build server (cli/build-server.ts): loads the modules a build runs and starts esbuild's
 * service, the same instances the builds it runs through cli() then use.
 */
export async function warmBuild(): Promise<void> {
  const [bundler] = await Promise.all([import("./core/build/bundler.ts"), import("./core/build/run.ts"), import("./commands/build.ts")]);
  bundler.startEsbuildService();
}
