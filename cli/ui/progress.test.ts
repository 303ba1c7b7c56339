import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fitCells, fitLine, StatusLine } from "./progress.ts";
import { table } from "./table.ts";
import { recordingIo } from "../../test/helpers/io.ts";

const width = (s: string) => [...s].length;

describe("fitLine", () => {
  it.each([
    ["short", 10, "short"],
    ["exactly10!", 10, "exactly10!"],
    ["eleven chars", 10, "eleven ch…"],
    ["abc", 1, "…"],
    ["abc", 0, ""],
  ])("%j in %i columns -> %j", (text, w, out) => {
    expect(fitLine(text, w)).toBe(out);
  });

  it("never returns more columns than asked, and keeps text that fits unchanged (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 200 }), fc.integer({ min: 1, max: 160 }), (text, w) => {
        const out = fitLine(text, w);
        expect(width(out)).toBeLessThanOrEqual(w);
        if (width(text) <= w) expect(out).toBe(text);
        else expect(out.endsWith("…")).toBe(true);
      }),
    );
  });

  it("cuts in the middle when asked, keeping the end that tells ids apart", () => {
    expect(fitLine("VeryLongLogicalResourceIdentifierNumber12", 20, "middle")).toBe("VeryLongLo…rNumber12");
  });
});

describe("fitCells", () => {
  it("pads each cell to its width, cuts what is longer, and fits the row (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 10, max: 120 }), (cells, w) => {
        expect(width(fitCells(cells.map((text) => ({ text, width: 12 })), w))).toBeLessThanOrEqual(w);
      }),
    );
  });
});

describe("table with maxWidth", () => {
  it("shrinks the widest columns, cutting cells with …, so no row or separator is wider than the terminal", () => {
    const rows = [["Add", "AVeryLongLogicalIdForAResourceInTheTemplate", "AWS::CodePipeline::Pipeline", "-"]];
    const out = table(["Action", "Logical ID", "Type", "Replacement"], rows, { maxWidth: 60 });
    for (const line of out.split("\n")) expect(width(line)).toBeLessThanOrEqual(60);
    expect(out).toContain("…");
    expect(table(["A", "B"], [["x", "y"]], { maxWidth: 60 })).toBe("A  B\n-  -\nx  y");
  });
});

describe("StatusLine", () => {
  it("prints permanent lines above the status line on a terminal, fitted, and redraws the status after each", () => {
    const rec = recordingIo({ tty: true });
    const s = new StatusLine(rec.io);
    s.set("status");
    s.print("x".repeat(100));
    s.stop();
    const rows = rec.err().split("\n").map((r) => r.split("\r\u001b[2K").pop()!);
    expect(rows[0]).toBe("x".repeat(79) + "…");
    expect(rows[1]).toBe(""); // the status line cleared at stop
    expect(rec.err()).toContain("\r\u001b[2Kstatus");
  });

  it("without a terminal prints each line whole and no status line", () => {
    const rec = recordingIo({ tty: false });
    const s = new StatusLine(rec.io);
    s.set("status");
    s.print("y".repeat(100));
    expect(rec.err()).toBe("y".repeat(100) + "\n");
  });
});
