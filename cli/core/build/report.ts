/** What `hdoc build` is asked to do, what it reports as it goes, and what it returns (run.ts does it). */
import type { RunCommand } from "./python.ts";
import type { Cleanup } from "../fs/cleanup.ts";
import type { NotBuilt } from "./discovery.ts";

export interface BuildRequest {
  repoRoot: string;
  /** Root template (absolute). */
  template: string;
  /** Build folder (absolute). */
  outDir: string;
  /** --function names (logical id or nested id); empty = all. */
  only: string[];
  /** --param values for the root template's parameters (CodeUri/Handler/Runtime through !Ref or !Sub). */
  parameters?: Record<string, string>;
  clean: boolean;
  bundleAwsSdk: boolean;
  concurrency: number;
  /** Runs a subprocess (pip), returning exit code and combined output. */
  run: RunCommand;
  esbuildVersion: string;
  onEvent?(e: BuildEvent): void;
  /** Wait for another build of the same folder (default); false: fail at once. */
  wait?: boolean;
  /** How long to wait for it (default 10 minutes). */
  waitMs?: number;
  /** A line for the user: waiting for another build, a lock or leftovers taken over. */
  note?(line: string): void;
  /** Where the held lock is registered, so Ctrl-C removes it. */
  cleanup?: Cleanup;
  /** Monotonic milliseconds, for build times. */
  now?(): number;
  /** Wall-clock milliseconds, compared with file times to decide which file stamps can be trusted. */
  clock?(): number;
  /**
   * Run by the build server, one build after another in one process: each build remembers what it
   * built, and the next one starts bundling the functions edited since then at once (early-bundle.ts).
   */
  warm?: boolean;
}

export type FunctionStatus = "built" | "cached" | "failed" | "stale";

export interface FunctionReport {
  id: string;
  logicalId: string;
  /** Template, relative to the repository. */
  template: string;
  runtime: string;
  status: FunctionStatus;
  /** Artifact folder, relative to the repository. */
  artifact?: string;
  hash?: string;
  size?: number;
  ms?: number;
  error?: string;
  details?: string[];
  /** Why a function with a current build was built again (its artifact changed since the last build). */
  reason?: string;
}

export type BuildEvent =
  | { type: "plan"; total: number; toBuild: number }
  | { type: "start"; id: string; reason?: string }
  | { type: "done"; report: FunctionReport };

export interface BuildReport {
  root: string;
  outDir: string;
  /** Root template written (relative to the repository), when every function is current. */
  template?: string;
  templates: string[];
  functions: FunctionReport[];
  /** Problems not tied to one function (a nested stack without Location, a template that does not parse). */
  problems: string[];
  /** Functions hdoc does not build (image, s3, inline, zip), left as the template says: warnings. */
  notBuilt: NotBuilt[];
  /** What the written templates could not be given (a function's NODE_OPTIONS that cannot take --enable-source-maps): warnings. */
  warnings: string[];
  ok: boolean;
  /**
   * How much the build cache saved: discovery taken from it, how many files had to be read and
   * hashed, and how many functions' bundles the build server had started before the build looked (`warm`).
   */
  cache: { discovery: boolean; filesHashed: number; bundledEarly: number };
}
