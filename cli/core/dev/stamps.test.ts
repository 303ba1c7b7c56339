import { afterEach, describe, expect, it } from "vitest";
import path from "node:path";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { bundledCodeStamp, changed, fingerprint, stamps, stampsSince } from "./stamps.ts";

const trees: Array<{ cleanup(): void }> = [];
afterEach(() => trees.splice(0).forEach((t) => t.cleanup()));
const tree = () => {
  const t = tempTree("hdoc-stamps-");
  trees.push(t);
  return t;
};

describe("stamps", () => {
  it("a folder key stands for the module names in it: a file created there changes it", () => {
    const t = tree();
    t.put("lib/greet.js", "x");
    const dir = path.join(t.root, "lib") + path.sep;
    const before = stamps([dir]);
    expect(changed(before)).toBe(false);
    t.put("lib/README.md", "not a module");
    expect(changed(before)).toBe(false);
    t.put("lib/greet.ts", "x");
    expect(changed(before)).toBe(true);
  });

  it("marks what changed at or after a bundle's start, and says whether the bundle may be kept", () => {
    const t = tree();
    const f = t.put("a.ts", "x");
    const later = stampsSince([f], Date.now() + 60_000);
    expect([later.settled, later.inputs.get(f)]).toEqual([true, fingerprint(f)]);
    const during = stampsSince([f], Date.now() - 60_000);
    expect(during.settled).toBe(false);
    expect(during.inputs.get(f)).toBe(`racy:${fingerprint(f)}`);
    expect(changed(during.inputs)).toBe(true);
  });

  it("the built CLI's code stamp is its chunk names (content hashes), not the folder's file times (found in review)", () => {
    const t = tree();
    t.put("chunks/main-AAAA1111.js", "1");
    t.put("chunks/main-AAAA1111.js.map", "{}");
    t.put("chunks/dev-BBBB2222.js", "2");
    const dir = path.join(t.root, "chunks");
    expect(bundledCodeStamp(dir)).toBe("dev-BBBB2222.js,main-AAAA1111.js");
    t.put("chunks/other.txt", "");
    expect(bundledCodeStamp(dir)).toBe("dev-BBBB2222.js,main-AAAA1111.js");
    t.put("chunks/dev-CCCC3333.js", "3");
    expect(bundledCodeStamp(dir)).not.toBe("dev-BBBB2222.js,main-AAAA1111.js");
    expect(bundledCodeStamp(path.join(t.root, "none"))).toMatch(/^unreadable:\d+$/);
  });
});
