import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileDigests, inputMaterial, LockIndex, RACY_MS, readInputsAhead, type FileStamp } from "./cache.ts";
import { ResolutionReads } from "../fs/resolution-inputs.ts";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "hdoc-digests-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
/** A clock far enough ahead that every file written by the test counts as still. */
const later = () => Date.now() + 10 * RACY_MS;

/** One build's look at the files: digests of the names, and the stamps it leaves for the next. */
function look(known: Record<string, FileStamp>, files: string[], clock = later) {
  const d = new FileDigests(dir, known, clock);
  const digests = files.map((f) => d.digest(f));
  return { digests, stamps: d.stamps(), hashed: d.hashed };
}

describe("FileDigests", () => {
  it("hashes by content, keyed by the path relative to the repository, and marks a missing file", () => {
    writeFileSync(path.join(dir, "a.ts"), "export const a = 1;\n");
    const r = look({}, ["a.ts", path.join(dir, "a.ts"), "gone.ts"]);
    expect(r.digests).toEqual([sha("export const a = 1;\n"), sha("export const a = 1;\n"), "missing"]);
    expect(r.hashed).toBe(1);
    expect(Object.keys(r.stamps)).toEqual(["a.ts"]);
  });

  it("does not read a file again while its stamp is unchanged", () => {
    writeFileSync(path.join(dir, "a.ts"), "one");
    const first = look({}, ["a.ts"]);
    const second = look(first.stamps, ["a.ts"]);
    expect(second).toMatchObject({ digests: first.digests, hashed: 0 });
  });

  it("reads a touched file again and finds the same digest", () => {
    const file = path.join(dir, "a.ts");
    writeFileSync(file, "one");
    const first = look({}, ["a.ts"]);
    const t = new Date(Date.now() + 60_000);
    utimesSync(file, t, t);
    const second = look(first.stamps, ["a.ts"]);
    expect(second).toMatchObject({ digests: first.digests, hashed: 1 });
  });

  it("sees new content of the same size even when the old mtime is put back (ctime moves)", async () => {
    const file = path.join(dir, "a.ts");
    const MTIME = 1_700_000_000; // whole seconds, so that putting it back is exact
    writeFileSync(file, "one");
    utimesSync(file, MTIME, MTIME);
    const before = statSync(file);
    const first = look({}, ["a.ts"]);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, "two");
    utimesSync(file, MTIME, MTIME);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(file).size).toBe(before.size);
    const second = look(first.stamps, ["a.ts"]);
    expect(second.digests).toEqual([sha("two")]);
    expect(second.hashed).toBe(1);
  });

  it("keeps no stamp for a file that changed less than RACY_MS before the look, so an edit in the same tick is still caught", () => {
    const file = path.join(dir, "a.ts");
    writeFileSync(file, "one");
    const now = look({}, ["a.ts"], Date.now);
    expect(now.stamps).toEqual({});
    // An edit right after that look, within the file system's time resolution, keeps size and times:
    // with no stamp kept, the next build reads the file and sees it.
    writeFileSync(file, "two");
    expect(look(now.stamps, ["a.ts"])).toMatchObject({ digests: [sha("two")], hashed: 1 });
  });
});

describe("LockIndex", () => {
  const lock = (version: string) =>
    JSON.stringify({ packages: { "node_modules/ms": { version, integrity: `sha512-${version}` } } });

  it("names a package by its lock entry, remembers it per lock digest, and reads the lock again when it changes", () => {
    writeFileSync(path.join(dir, "package-lock.json"), lock("2.1.3"));
    const d1 = new FileDigests(dir, {}, later);
    const l1 = new LockIndex(dir, d1);
    expect(l1.entry("node_modules/ms", [path.join(dir, "fn"), dir])).toBe("node_modules/ms@2.1.3#sha512-2.1.3");
    const memo = l1.memo();
    expect(memo[dir]!.entries).toEqual({ "node_modules/ms": "node_modules/ms@2.1.3#sha512-2.1.3" });

    // Same lock: the remembered entry is used (a lock that is not JSON proves it is not parsed).
    const remembered = { [dir]: { digest: memo[dir]!.digest, entries: { "node_modules/ms": "remembered" } } };
    expect(new LockIndex(dir, new FileDigests(dir, d1.stamps(), later), remembered).entry("node_modules/ms", [dir])).toBe("remembered");

    writeFileSync(path.join(dir, "package-lock.json"), lock("2.1.4"));
    expect(readFileSync(path.join(dir, "package-lock.json"), "utf8")).toContain("2.1.4");
    expect(new LockIndex(dir, new FileDigests(dir, d1.stamps(), later), remembered).entry("node_modules/ms", [dir])).toBe("node_modules/ms@2.1.4#sha512-2.1.4");
  });
});

describe("readInputsAhead (what a build reads while esbuild bundles)", () => {
  /** A function folder with its entry, a shared file it imports, a tsconfig that extends another, and the repository's lock. */
  function repo() {
    mkdirSync(path.join(dir, "functions/fn"), { recursive: true });
    mkdirSync(path.join(dir, "functions/shared"), { recursive: true });
    writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify({ packages: { "node_modules/ms": { version: "2.1.3", integrity: "sha512-x" } } }));
    writeFileSync(path.join(dir, "tsconfig.base.json"), "{}");
    writeFileSync(path.join(dir, "tsconfig.json"), '{ "extends": "./tsconfig.base.json" }');
    writeFileSync(path.join(dir, "functions/fn/package.json"), '{ "name": "fn" }');
    writeFileSync(path.join(dir, "functions/fn/handler.ts"), 'import "../shared/log.ts";\n');
    writeFileSync(path.join(dir, "functions/shared/log.ts"), "export {};\n");
  }
  const input = (digests: FileDigests, locks: LockIndex, reads: ResolutionReads) => ({
    repoRoot: dir, options: { runtime: "nodejs22.x" }, sources: ["functions/fn/handler.ts", "functions/shared/log.ts"], packages: ["node_modules/ms"],
    lockDirs: [path.join(dir, "functions/fn"), dir], packageJson: "functions/fn/package.json", locks, digests, reads,
  });

  it("changes nothing in the input material, and leaves only the files the entry does not reach to read after the bundle", () => {
    repo();
    const cold = new FileDigests(dir, {}, later);
    const plain = inputMaterial(input(cold, new LockIndex(dir, cold), new ResolutionReads()));

    const digests = new FileDigests(dir, {}, later);
    const locks = new LockIndex(dir, digests);
    const reads = new ResolutionReads();
    const i = input(digests, locks, reads);
    readInputsAhead({ ...i, sources: ["functions/fn/handler.ts"] });
    const ahead = digests.hashed;
    // the function's package.json, its entry, the lock file and the tsconfig chain are read ahead
    expect(ahead).toBeGreaterThanOrEqual(5);
    // the lock file is parsed ahead: made unreadable now, the entry still comes from what was read
    writeFileSync(path.join(dir, "package-lock.json"), "not json");
    expect(inputMaterial(i)).toBe(plain);
    // after the bundle only the shared file is left to hash
    expect(digests.hashed - ahead).toBe(1);
  });
});
