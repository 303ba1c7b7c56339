import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { acquireLock, lockPathFor, withLock } from "./lock.ts";
import { CleanupRegistry } from "./cleanup.ts";
import { processStartMs, type OwnerRecord } from "./owner.ts";
import { HdocError } from "../../errors.ts";

let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "hdoc-lock-"));
  lockPath = lockPathFor(path.join(dir, "credentials"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (o: Partial<OwnerRecord>): string => JSON.stringify({ pid: 1, host: os.hostname(), started: new Date().toISOString(), purpose: "mfa login", token: "t0", ...o }) + "\n";

/** A pid that certainly ran and is gone now. */
async function deadPid(): Promise<number> {
  const child = execa("node", ["-e", ""]);
  const pid = child.pid!;
  await child;
  return pid;
}

describe("acquireLock", () => {
  it("holds the owner record while held and leaves nothing behind after release", async () => {
    const lock = await acquireLock(lockPath, { purpose: "mfa login" });
    const owner = JSON.parse(readFileSync(lockPath, "utf8")) as OwnerRecord;
    expect(owner).toMatchObject({ pid: process.pid, host: os.hostname(), purpose: "mfa login" });
    expect(Math.abs(Date.parse(owner.started) - (processStartMs(process.pid) ?? Date.parse(owner.started)))).toBeLessThan(1000);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("takes over a lock whose owner is gone at once, and says so", async () => {
    const pid = await deadPid();
    writeFileSync(lockPath, record({ pid }));
    const notes: string[] = [];
    await withLock(lockPath, { purpose: "mfa login", waitMs: 60_000, note: (l) => notes.push(l) }, async () => {
      expect(JSON.parse(readFileSync(lockPath, "utf8")).pid).toBe(process.pid);
    });
    expect(notes).toEqual([`took over the lock ${lockPath} from hdoc pid ${pid} (mfa login), which is no longer running`]);
  });

  it("treats a running process that started at another time as a reused pid (owner gone)", async () => {
    writeFileSync(lockPath, record({ pid: process.pid, started: "2001-01-01T00:00:00.000Z" }));
    const notes: string[] = [];
    await withLock(lockPath, { purpose: "build", waitMs: 60_000, note: (l) => notes.push(l) }, async () => undefined);
    expect(notes[0]).toMatch(/^took over the lock .* from hdoc pid \d+ \(mfa login\)/);
  });

  it("waits for a live owner, naming it, then gives up with an error naming the lock file", async () => {
    const sleeper = execa("sleep", ["30"]);
    try {
      const started = new Date(processStartMs(sleeper.pid!)!).toISOString();
      writeFileSync(lockPath, record({ pid: sleeper.pid!, started }));
      const notes: string[] = [];
      const err = await acquireLock(lockPath, { purpose: "mfa login", waitMs: 300, note: (l) => notes.push(l) }).catch((e: unknown) => e);
      expect(notes).toEqual([`waiting for hdoc pid ${sleeper.pid} (mfa login) to release ${lockPath} (up to 300ms) ...`]);
      expect(err).toBeInstanceOf(HdocError);
      expect(err).toMatchObject({ code: "FAILED", message: `${lockPath} is held by hdoc pid ${sleeper.pid} (mfa login) since ${started}; gave up after 300ms`, hint: "wait for it to finish, then try again" });
      expect(JSON.parse(readFileSync(lockPath, "utf8")).pid).toBe(sleeper.pid);
    } finally {
      sleeper.kill();
      await sleeper.catch(() => undefined);
    }
  });

  it("gets the lock as soon as a live owner releases it", async () => {
    const first = await acquireLock(lockPath, { purpose: "build" });
    const notes: string[] = [];
    const second = acquireLock(lockPath, { purpose: "build", waitMs: 60_000, note: (l) => notes.push(l) });
    setTimeout(() => void first.release(), 200);
    const lock = await second;
    expect(notes).toEqual([`waiting for hdoc pid ${process.pid} (build) to release ${lockPath} (up to 60s) ...`]);
    expect(JSON.parse(readFileSync(lockPath, "utf8")).token).toBe(lock.owner.token);
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it("never takes over a lock of another host; the hint says how to clear it", async () => {
    writeFileSync(lockPath, record({ pid: 4242, host: "other-host.example" }));
    const err = await acquireLock(lockPath, { purpose: "mfa login", waitMs: 100 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: expect.stringContaining("is held by hdoc pid 4242 (mfa login) on host other-host.example since"), hint: `if that process is no longer running, remove ${lockPath}` });
  });

  it("lets only one of many waiters take over a stale lock, and serialises all of them", async () => {
    writeFileSync(lockPath, record({ pid: await deadPid() }));
    const notes: string[] = [];
    const order: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        withLock(lockPath, { purpose: "build", waitMs: 60_000, pollMs: 5, note: (l) => notes.push(l) }, async () => {
          order.push(`in ${i}`);
          await new Promise((r) => setTimeout(r, 5));
          order.push(`out ${i}`);
        }),
      ),
    );
    expect(notes.filter((n) => n.startsWith("took over"))).toHaveLength(1);
    for (let k = 0; k < order.length; k += 2) expect(order[k + 1]).toBe(order[k]!.replace("in", "out"));
    expect(readdirSync(dir)).toEqual([]);
  });

  it("takes over a lock folder left by an older hdoc (proper-lockfile) once it is stale", async () => {
    mkdirSync(lockPath);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath, old, old);
    const notes: string[] = [];
    await withLock(lockPath, { purpose: "mfa login", note: (l) => notes.push(l) }, async () => undefined);
    expect(notes).toEqual([`took over the lock ${lockPath} from an older hdoc, which is no longer running`]);
  });

  it("registers the held lock with the cleanup registry, so a signal removes it", async () => {
    const cleanup = new CleanupRegistry();
    await acquireLock(lockPath, { purpose: "mfa login", cleanup });
    expect(existsSync(lockPath)).toBe(true);
    cleanup.runAll();
    expect(existsSync(lockPath)).toBe(false);
  });
});
