/**
 * The one I/O port: results to stdout, everything else to stderr, prompts behind one interface.
 * Commands and core logic talk to an `Io`; tests pass a recording one (see test/helpers/io.ts).
 */
import { HdocError } from "../errors.ts";
import { Redactor, type RedactingStream } from "./redact.ts";
import { paint, type Colour } from "./style.ts";

export interface PromptApi {
  /** Asks yes/no. */
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
  /** Asks for a line of text; `validate` returns an error message or true. */
  input(message: string, validate?: (v: string) => string | true): Promise<string>;
  /** Asks for a secret, echoed as `*`. */
  password(message: string, validate?: (v: string) => string | true): Promise<string>;
}

export interface IoOptions {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdinIsTTY: boolean;
  json: boolean;
  verbose: boolean;
  color: boolean;
  yes: boolean;
  prompts: PromptApi;
  redactor?: Redactor;
  /** COLUMNS from the environment: the width when the terminal does not report one. */
  columns?: number;
}

export class Io {
  readonly redactor: Redactor;
  /** Live progress arrives in pieces: a secret split across two of them is still masked. */
  private readonly progressOut: RedactingStream;
  constructor(private readonly o: IoOptions) {
    this.redactor = o.redactor ?? new Redactor();
    this.progressOut = this.redactor.stream((text) => this.o.stderr.write(text));
  }

  get json(): boolean { return this.o.json; }
  get verboseOn(): boolean { return this.o.verbose; }
  get yes(): boolean { return this.o.yes; }
  /** Live progress (rewriting lines) only when stderr is a terminal. */
  get live(): boolean { return Boolean(this.o.stderr.isTTY) && !this.o.json; }
  /** The width live lines are fitted to: the terminal's, else COLUMNS, else 80. */
  get columns(): number {
    const tty = (this.o.stderr as { columns?: number }).columns;
    return tty && tty > 0 ? tty : this.o.columns && this.o.columns > 0 ? this.o.columns : 80;
  }
  get interactive(): boolean { return this.o.stdinIsTTY && Boolean(this.o.stderr.isTTY); }

  color(text: string, c: Colour): string { return this.o.color ? paint(text, c) : text; }

  /** A human result line on stdout (suppressed under --json). */
  out(line = ""): void { if (!this.o.json) this.o.stdout.write(this.redactor.redact(line) + "\n"); }
  /** The one JSON document of a --json run. */
  result(doc: unknown): void {
    this.pending = { doc };
  }
  /** Prints the JSON document now, for a command that keeps running after it (hdoc dev). */
  resultNow(doc: unknown): void {
    this.pending = { doc };
    this.flushResult();
  }
  private pending: { doc: unknown } | undefined;
  private printed = false;
  /**
   * Prints the run's one JSON document (main calls it when the command ends). When the command failed
   * after producing its document, the failure is added to it: `{ ...doc, ok: false, error }`.
   */
  flushResult(error?: { code: string; exitCode: number; message: string; hint: string | null }): void {
    if (this.printed) return;
    let doc = this.pending?.doc;
    if (error) doc = { ...(doc !== undefined && typeof doc === "object" && !Array.isArray(doc) ? doc : {}), ok: false, error };
    if (doc === undefined) return;
    this.printed = true;
    this.o.stdout.write(this.redactor.redact(JSON.stringify(doc, null, 2)) + "\n");
  }
  /** Whether the run's JSON document was printed already. */
  get resultPrinted(): boolean { return this.printed; }
  /** Progress and notes on stderr. */
  info(line: string): void {
    this.progressOut.flush();
    this.o.stderr.write(this.redactor.redact(line) + "\n");
  }
  warn(line: string): void { this.info(this.color("warning: ", "yellow") + line); }
  /** Only with --verbose. */
  verbose(line: string): void { if (this.o.verbose) this.info(this.color(line, "dim")); }
  /** Raw write to stderr for live progress (no newline added). */
  progress(text: string): void { this.progressOut.write(text); }

  private requireInteractive(what: string, flag: string): void {
    if (!this.interactive) throw new HdocError("USAGE", `${what} needs an answer but this is not an interactive terminal`, `pass ${flag}`);
  }

  /** Confirmation of a destructive step: --yes answers it; non-interactive without --yes refuses. */
  async confirm(message: string, opts: { force?: boolean; defaultValue?: boolean } = {}): Promise<boolean> {
    if (this.o.yes && !opts.force) return true;
    if (!this.interactive) {
      throw new HdocError("ABORTED", `confirmation needed ("${message}") but this is not an interactive terminal`, "re-run with --yes to confirm non-interactively");
    }
    return this.o.prompts.confirm(message, opts.defaultValue ?? false);
  }

  async input(message: string, flag: string, validate?: (v: string) => string | true): Promise<string> {
    this.requireInteractive(message, flag);
    return this.o.prompts.input(message, validate);
  }

  async password(message: string, flag: string, validate?: (v: string) => string | true): Promise<string> {
    this.requireInteractive(message, flag);
    const value = await this.o.prompts.password(message, validate);
    this.redactor.add(value);
    return value;
  }
}
