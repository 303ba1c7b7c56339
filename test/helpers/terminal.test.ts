/**
 * The pseudo-terminal runner the live-view tests read the screen with. A character whose bytes reach
 * it in two reads stays one character: the 80-column live-view test failed in CI once, a row's ellipsis
 * decoded as two U+FFFD when a read of the terminal ended inside it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { runInTerminal, tempHome } from "./hdoc.ts";

const h = tempHome();
afterAll(() => h.cleanup());

describe("runInTerminal", () => {
  it("decodes a character split across two writes of the program (an ellipsis, an emoji) as one", async () => {
    // each character's first byte, then (after the terminal has been read) the rest
    const program = `
      const parts = [[0xe2], [0x80, 0xa6, 0x0a], [0xf0, 0x9f], [0x98, 0x80, 0x0a]];
      const next = () => { const p = parts.shift(); if (!p) return; process.stdout.write(Buffer.from(p)); setTimeout(next, 150); };
      next();`;
    const r = await runInTerminal(["node", "-e", program], { home: h.home, keys: [] });
    expect(r.exitCode).toBe(0);
    expect(r.screen).toEqual(["…", "😀"]);
    expect(r.output).not.toContain("\uFFFD");
  });
});
