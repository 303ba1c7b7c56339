/** What every command receives: the I/O port, the global options, the environment, settings and clock. */
import type { Io } from "./ui/io.ts";
import type { ProjectSettings } from "./core/settings.ts";
import type { Cleanup } from "./core/fs/cleanup.ts";

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
  /**
   * For a command with work to tidy on Ctrl-C (or SIGTERM): while registered, the first signal calls
   * `interrupt` instead of ending the process, so the command can stop at a safe point, clean up and say
   * what state things are in; a second signal ends the process at once, printing `forced()` if given.
   * Returns the function that unregisters it. Only cli/program.ts touches process signals.
   */
  onInterrupt(handler: InterruptHandler): () => void;
  /** Undo steps (temporary files, held locks) that main runs if a signal ends the process. */
  cleanup: Cleanup;
  /** The program's commands and their options as declared (what completion scripts are made from). */
  commandTree(): CommandNode;
  /** Set when `hdoc build` runs in the build server (`servedBy`: its pid), or is to replace one that did not answer. */
  buildServer?: BuildServerRole;
}

export interface BuildServerRole {
  servedBy?: number;
  replace?: number;
}

export interface CommandNode {
  name: string;
  summary: string;
  /** Long (or short) flags, e.g. "--stage"; `takesValue` when a value follows. */
  options: Array<{ flag: string; takesValue: boolean }>;
  commands: CommandNode[];
}

export interface InterruptHandler {
  interrupt(signal: string): void;
  /** One line for a forced exit (second Ctrl-C): what may be left behind and how to check it. */
  forced?(): string | undefined;
}
