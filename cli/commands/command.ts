/** How a command declares itself: cheaply (no AWS SDK, no core module here; `run` imports its work lazily). */
import type { Command } from "commander";
import type { Context } from "../context.ts";

export interface CommandDef<O = Record<string, unknown>> {
  /** e.g. ["mfa", "login"] or ["build"]. */
  path: [string] | [string, string];
  summary: string;
  /** Extra help text under the summary (optional). */
  description?: string;
  /** Shown under "Examples:" in --help; every command has some. */
  examples: string[];
  /** Declares arguments and options on the commander command. */
  configure?(cmd: Command): void;
  /** Does the work (importing its core lazily); returns the exit code. */
  run(opts: O, ctx: Context, args: string[]): Promise<number | void>;
}
