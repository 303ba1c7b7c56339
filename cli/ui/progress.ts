/**
 * The one live-progress renderer: a status line at the bottom of a terminal that permanent lines are
 * printed above. Without a terminal (CI logs) there is no status line and each permanent line is
 * printed as it comes. Commands use it; core never writes escape codes.
 */
import type { Io } from "./io.ts";

const CLEAR_LINE = "\r\u001b[2K";

export class StatusLine {
  private shown = false;
  constructor(private readonly io: Io) {}

  /** Replaces the status line (terminal only). */
  set(text: string): void {
    if (!this.io.live) return;
    const width = (process.stderr.columns ?? 80) - 1;
    this.io.progress(CLEAR_LINE + (text.length > width ? text.slice(0, width - 1) + "…" : text));
    this.shown = true;
  }

  /** Prints a line that stays, above the status line. */
  print(line: string): void {
    if (this.shown) this.io.progress(CLEAR_LINE);
    this.shown = false;
    this.io.info(line);
  }

  /** Removes the status line. */
  clear(): void {
    if (this.shown) this.io.progress(CLEAR_LINE);
    this.shown = false;
  }
}
