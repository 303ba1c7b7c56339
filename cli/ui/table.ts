/** Plain-text tables for lists (credentials, change sets, functions). */
import { stripAnsi } from "./style.ts";

const visible = (s: string) => [...stripAnsi(s)].length;

/** Cuts a cell to `width` columns with `…` in the middle, keeping both ends (ids differ at the end). */
function cut(cell: string, width: number): string {
  if (visible(cell) <= width) return cell;
  const chars = [...stripAnsi(cell)];
  const tail = Math.floor((width - 1) / 2);
  return chars.slice(0, Math.max(0, width - 1 - tail)).join("") + "…" + (tail > 0 ? chars.slice(chars.length - tail).join("") : "");
}

/**
 * Columns padded to their widest cell. With `maxWidth` (a terminal's width), the widest columns give
 * way first, their cells cut in the middle with `…`, so no row (and no separator) is wider than that.
 */
export function table(headers: string[], rows: string[][], opts: { maxWidth?: number } = {}): string {
  const widths = headers.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ""))));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  if (opts.maxWidth !== undefined) {
    while (total() > opts.maxWidth) {
      const widest = widths.indexOf(Math.max(...widths));
      if (widths[widest]! <= 4) break;
      widths[widest]!--;
    }
  }
  const line = (cells: string[]) =>
    cells
      .map((raw, i) => {
        const c = cut(raw, widths[i] ?? 0);
        return i === cells.length - 1 ? c : c + " ".repeat(Math.max(0, (widths[i] ?? 0) - visible(c)));
      })
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
