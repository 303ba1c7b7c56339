/**
 * The one live-progress renderer, modelled on `cdk deploy`: on a terminal, permanent lines (one per
 * event) are printed above a status line at the bottom, and every line is fitted to the terminal's
 * width (cut with `…`, never wrapped), so nothing is overwritten, nothing is lost and no fragment stays
 * on screen. The status line can carry a clock that redraws it every second (elapsed time). Without a
 * terminal (CI logs) there is no status line and each permanent line is printed as it comes, whole.
 * Commands use it; core never writes escape codes.
 */
import type { Io } from "./io.ts";
import { stripAnsi } from "./style.ts";

const CLEAR_LINE = "\r\u001b[2K";

/**
 * Cuts text to `width` columns with `…` (colours are dropped from a cut line): at the end, or in the
 * middle, which keeps the end that tells long ids apart (`VeryLongL…erNumber12`).
 */
export function fitLine(text: string, width: number, cut: "end" | "middle" = "end"): string {
  const plain = stripAnsi(text);
  const chars = [...plain];
  if (chars.length <= width) return text;
  if (width <= 0) return "";
  if (cut === "middle" && width >= 5) {
    const tail = Math.floor((width - 1) / 2);
    return chars.slice(0, width - 1 - tail).join("") + "…" + chars.slice(chars.length - tail).join("");
  }
  return chars.slice(0, width - 1).join("") + "…";
}

/**
 * One row of cells joined by two spaces, each cut to its width (and padded to it), then the whole row
 * fitted to `width`. A cell without a width takes what it needs.
 */
export function fitCells(cells: Array<{ text: string; width?: number; cut?: "end" | "middle" }>, width: number): string {
  const parts = cells.map((c, i) => {
    if (c.width === undefined) return c.text;
    const cut = fitLine(c.text, c.width, c.cut);
    return i === cells.length - 1 ? cut : cut + " ".repeat(Math.max(0, c.width - [...stripAnsi(cut)].length));
  });
  return fitLine(parts.join("  ").trimEnd(), width);
}

export class StatusLine {
  private shown = false;
  private text = "";
  private ticker?: ReturnType<typeof setInterval>;
  private render?: () => string;

  constructor(private readonly io: Io) {}

  /** The width lines are fitted to: the terminal's columns (COLUMNS when the terminal does not say). */
  get width(): number {
    return this.io.columns;
  }

  /** Replaces the status line (terminal only). */
  set(text: string): void {
    if (!this.io.live) return;
    this.text = text;
    this.draw();
  }

  /**
   * Redraws the status line every `ms` from `render` (e.g. to move an elapsed-time clock); the timer
   * never keeps the process alive. stop() ends it.
   */
  tick(render: () => string, ms = 1000): void {
    if (!this.io.live) return;
    this.render = render;
    this.ticker ??= setInterval(() => this.set(render()), ms);
    this.ticker.unref?.();
    this.set(render());
  }

  /** Prints a line that stays, above the status line: fitted on a terminal, whole otherwise. */
  print(line: string): void {
    if (!this.io.live) {
      this.io.info(line);
      return;
    }
    for (const one of line.split("\n")) this.io.progress(CLEAR_LINE + fitLine(this.io.redactor.redact(one), this.width) + "\n");
    this.shown = false;
    if (this.text) this.draw();
  }

  /** Removes the status line (it comes back with the next set/print while ticking). */
  clear(): void {
    if (this.shown) this.io.progress(CLEAR_LINE);
    this.shown = false;
  }

  /** Removes the status line and stops the clock. */
  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.render = undefined;
    this.text = "";
    this.clear();
  }

  /** Takes the status line away until the next set() (before a prompt); the clock pauses too. */
  pause(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.text = "";
    this.clear();
  }

  /** Brings back a paused clock. */
  resume(): void {
    if (this.render && !this.ticker) this.tick(this.render);
  }

  private draw(): void {
    // one column short of the edge: a status line filling the last column would leave the cursor in the
    // terminal's pending-wrap state, and the next line would start one row down
    this.io.progress(CLEAR_LINE + fitLine(this.io.redactor.redact(this.text), this.width - 1));
    this.shown = true;
  }
}
