import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { folderEntries, zipEntries, zipPath, type ZipEntry } from "./zip.ts";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), "hdoc-zip-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** What Python's zipfile (the reader the AWS CLI and SAM CLI use) sees in a zip. */
function pythonListing(zip: Buffer): Array<{ name: string; date: number[]; mode: string; data: string }> {
  const script = [
    "import sys, zipfile, io, json",
    "z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))",
    "assert z.testzip() is None",
    "print(json.dumps([{'name': i.filename, 'date': list(i.date_time), 'mode': oct(i.external_attr >> 16), 'data': z.read(i).decode('latin-1')} for i in z.infolist()]))",
  ].join("\n");
  return JSON.parse(execFileSync("python3", ["-c", script], { input: zip }).toString());
}

function artifact(): string {
  const d = tempDir();
  mkdirSync(path.join(d, "lib/deep"), { recursive: true });
  writeFileSync(path.join(d, "handler.mjs"), "export const handler = async () => 1;\n");
  writeFileSync(path.join(d, "handler.mjs.map"), "{}");
  writeFileSync(path.join(d, "lib/deep/data.json"), '{"a":1}');
  writeFileSync(path.join(d, "bootstrap"), "#!/bin/sh\n");
  chmodSync(path.join(d, "bootstrap"), 0o750);
  return d;
}

describe("deterministic zips", () => {
  it("gives identical bytes for the same folder zipped twice, whatever the files' times", async () => {
    const d = artifact();
    const first = await zipPath(d);
    utimesSync(path.join(d, "handler.mjs"), new Date("2031-05-05T05:05:05Z"), new Date("2031-05-05T05:05:05Z"));
    const second = await zipPath(d);
    expect(second.equals(first)).toBe(true);
  });

  it("gives identical bytes in every time zone (no local time leaks into the entries)", async () => {
    const d = artifact();
    const before = process.env.TZ;
    try {
      process.env.TZ = "Pacific/Kiritimati";
      const east = await zipPath(d);
      process.env.TZ = "America/Los_Angeles";
      const west = await zipPath(d);
      expect(west.equals(east)).toBe(true);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it("is read by Python's zipfile as sorted files dated 1980-01-01 with 0644, or 0755 when executable", async () => {
    const d = artifact();
    const listing = pythonListing(await zipPath(d));
    expect(listing.map((e) => e.name)).toEqual(["bootstrap", "handler.mjs", "handler.mjs.map", "lib/deep/data.json"]);
    for (const e of listing) expect(e.date).toEqual([1980, 1, 1, 0, 0, 0]);
    expect(Object.fromEntries(listing.map((e) => [e.name, e.mode]))).toEqual({ bootstrap: "0o100755", "handler.mjs": "0o100644", "handler.mjs.map": "0o100644", "lib/deep/data.json": "0o100644" });
    expect(listing.find((e) => e.name === "lib/deep/data.json")?.data).toBe('{"a":1}');
  });

  it("changes when one byte of one file changes", async () => {
    const d = artifact();
    const before = await zipPath(d);
    writeFileSync(path.join(d, "lib/deep/data.json"), '{"a":2}');
    expect((await zipPath(d)).equals(before)).toBe(false);
  });

  it("follows symbolic links, and does not loop on a link back up the tree", async () => {
    const d = artifact();
    const outside = tempDir();
    writeFileSync(path.join(outside, "shared.js"), "x");
    symlinkSync(path.join(outside, "shared.js"), path.join(d, "shared.js"));
    symlinkSync(d, path.join(d, "lib/loop"));
    expect(folderEntries(d).map((e) => e.name)).toEqual(["bootstrap", "handler.mjs", "handler.mjs.map", "lib/deep/data.json", "shared.js"]);
  });

  it("zips a single file at the zip's root", async () => {
    const d = tempDir();
    writeFileSync(path.join(d, "index.py"), "def handler(e, c): pass\n");
    expect(pythonListing(await zipPath(path.join(d, "index.py"))).map((e) => e.name)).toEqual(["index.py"]);
  });

  it("does not depend on the order entries are given in (property)", async () => {
    const entry = fc.record({
      name: fc.stringMatching(/^[a-z0-9_-][a-z0-9._-]{0,11}(\/[a-z0-9_-][a-z0-9._-]{0,11}){0,2}$/),
      data: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      executable: fc.boolean(),
    });
    const unique = fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 8 });
    const withShuffle = unique.chain((entries) => fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length })));
    await fc.assert(
      fc.asyncProperty(withShuffle, async ([entries, shuffled]: [ZipEntry[], ZipEntry[]]) => {
        expect((await zipEntries(shuffled)).equals(await zipEntries(entries))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
