import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { removeLeftoverTemps, writeFileAtomic, writeFileAtomicSync } from "./atomic-write.ts";
import { CleanupRegistry } from "./cleanup.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "hdoc-atomic-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("creates the temporary file 0600 however wide the final mode, and gives the final mode only at the end", async () => {
    const file = path.join(dir, "credentials");
    let modeMidWrite: number | undefined;
    // a data source that looks at the temporary file while it is being written
    const data = (async function* () {
      const tmp = readdirSync(dir).find((n) => n.endsWith(".tmp"))!;
      modeMidWrite = statSync(path.join(dir, tmp)).mode & 0o777;
      yield Buffer.from("secret");
    })();
    await writeFileAtomic(file, data as unknown as Uint8Array, { mode: 0o644 });
    expect(modeMidWrite).toBe(0o600);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(["credentials"]);
  });

  it("when a signal's cleanup runs mid-write, the temporary copy is gone and the file is as it was", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "old");
    const cleanup = new CleanupRegistry();
    let tempsMidWrite: string[] = [];
    const data = (async function* () {
      tempsMidWrite = readdirSync(dir).filter((n) => n.endsWith(".tmp"));
      cleanup.runAll(); // what cli/main.ts does on SIGINT/SIGTERM before it exits
      yield Buffer.from("[mfa]\naws_session_token = SECRET\n");
    })();
    await expect(writeFileAtomic(file, data as unknown as Uint8Array, { cleanup })).rejects.toThrow();
    expect(tempsMidWrite).toEqual([expect.stringMatching(/^\.credentials\.hdoc-\d+-[0-9a-f]{8}\.tmp$/)]);
    expect(readdirSync(dir)).toEqual(["credentials"]);
    expect(readFileSync(file, "utf8")).toBe("old");
  });

  it("unregisters its cleanup step once done (sync and async)", async () => {
    const cleanup = new CleanupRegistry();
    await writeFileAtomic(path.join(dir, "a"), "x", { cleanup });
    writeFileAtomicSync(path.join(dir, "b"), "y", { cleanup, mode: 0o640 });
    expect(cleanup.size).toBe(0);
    expect(statSync(path.join(dir, "b")).mode & 0o777).toBe(0o640);
  });
});

describe("removeLeftoverTemps", () => {
  it("removes the file's temporary copies of other processes, not its own nor other files'", async () => {
    const file = path.join(dir, "credentials");
    for (const n of [".credentials.hdoc-1-00000000.tmp", `.credentials.hdoc-${process.pid}-11111111.tmp`, ".config.hdoc-1-22222222.tmp", ".credentials.hdoc-x-3.tmp"]) writeFileSync(path.join(dir, n), "");
    expect(await removeLeftoverTemps(file)).toEqual([path.join(dir, ".credentials.hdoc-1-00000000.tmp")]);
    expect(readdirSync(dir).sort()).toEqual([".config.hdoc-1-22222222.tmp", `.credentials.hdoc-${process.pid}-11111111.tmp`, ".credentials.hdoc-x-3.tmp"].sort());
  });

  it("with onlyDeadOwners keeps the copies of running processes", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(path.join(dir, `.credentials.hdoc-${process.ppid}-00000000.tmp`), "");
    expect(await removeLeftoverTemps(file, { onlyDeadOwners: true })).toEqual([]);
  });
});
