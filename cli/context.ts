/** What every command receives, and how a command declares itself (cheaply: no AWS SDK here). */
import type { Command } from "commander";
import type { Io } from "./ui/io.ts";
import type { ProjectSettings } from "./core/settings.ts";

export interface GlobalOptions {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  json: boolean;
  yes: boolean;
  verbose: boolean;
  color: boolean;
}

export interface Context {
  io: Io;
  global: GlobalOptions;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Project settings, loaded once on first use. */
  settings(): Promise<ProjectSettings>;
  /** Injected clock, for everything where expiry matters. */
  now(): Date;
  /**
   * For long-running commands: resolves with the signal name when the user asks to stop (Ctrl-C or
   * SIGTERM), so the command can shut down cleanly; a second Ctrl-C ends the process at once.
   */
  untilStopped(): Promise<string>;
}

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
