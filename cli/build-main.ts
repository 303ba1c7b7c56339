/**
 * `hdoc build` alone: the same program (program.ts) with the build command only, which bin/hdoc.js
 * runs when the command is `build`. Built into one file without chunks (scripts/build-cli.mjs):
 * loading the CLI's chunks one by one as ES modules cost a build about 35 ms of its start-up, and no
 * module of another command (nor the AWS SDK they load) is reachable from here.
 */
import { build } from "./commands/build.ts";
import { runProgram, type ProgramDeps } from "./program.ts";

/** Runs `hdoc build` with argv and returns the exit code; never calls process.exit itself. */
export const cli = (argv: string[], overrides: Partial<ProgramDeps> = {}): Promise<number> => runProgram(argv, overrides, { commands: [build], groups: {} });
