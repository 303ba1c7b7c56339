/**
 * The one way hdoc replaces a file that matters (credentials, build output): a temporary file in the
 * same folder, created 0600 from the first byte, written, fsynced, given the final mode, renamed over
 * the target, and the folder synced. Readers see the old file or the new one, never half of one; the
 * temporary file is removed when anything fails, and (given a `cleanup` registry) when the process is
 * stopped by a signal; one left by a process that was killed is found by `removeLeftoverTemps`.
 */
import { closeSync, constants as fsConstants, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import fs from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { NO_CLEANUP, type Cleanup } from "./cleanup.ts";
import { pidRunning } from "./owner.ts";

export interface AtomicWriteOptions {
  /** Mode of the written file (default 0o600 for a new file; pass the old mode to keep it). */
  mode?: number;
  /** Owner to keep (best effort: only root may give a file away). */
  owner?: { uid: number; gid: number };
  /** Name of the temporary file, in the target's folder (default `.<name>.hdoc-<pid>-<random>.tmp`). */
  tempName?: string;
  /** Where the temporary file is registered for removal if the process is stopped mid-write. */
  cleanup?: Cleanup;
  /**
   * false: no fsync of the file or its folder. For files rebuilt from others and checked by digest
   * before they are trusted (the build folder's templates, manifest and cache): a killed process still
   * leaves the old file or the new one (the rename), and a power cut at worst an older or empty one,
   * which the next build takes as changed or missing. Default true.
   */
  durable?: boolean;
}

const CREATE = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL;

export const tempFileFor = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.hdoc-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);

export async function writeFileAtomic(file: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = o.tempName ? path.join(dir, o.tempName) : tempFileFor(file);
  const forget = (o.cleanup ?? NO_CLEANUP).add(() => rmSync(tmp, { force: true }));
  try {
    const handle = await fs.open(tmp, CREATE, 0o600);
    try {
      await handle.writeFile(data);
      if (o.durable !== false) await handle.sync();
      // the final mode and owner only once the data is complete (a wider mode never sees a partial file)
      if (o.owner) await handle.chown(o.owner.uid, o.owner.gid).catch(() => undefined);
      if (o.mode !== undefined && o.mode !== 0o600) await handle.chmod(o.mode);
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  } finally {
    forget();
  }
  if (o.durable !== false) await syncDir(dir);
}

export function writeFileAtomicSync(file: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = o.tempName ? path.join(dir, o.tempName) : tempFileFor(file);
  const forget = (o.cleanup ?? NO_CLEANUP).add(() => rmSync(tmp, { force: true }));
  try {
    const fd = openSync(tmp, CREATE, 0o600);
    try {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      if (o.durable !== false) fsyncSync(fd);
      if (o.mode !== undefined && o.mode !== 0o600) fchmodSync(fd, o.mode);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    forget();
  }
}

/** `.<name>.hdoc-<pid>-<random>.tmp`: the temporary files writeFileAtomic makes for `file`. */
function tempFilePattern(file: string): RegExp {
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^\\.${base}\\.hdoc-(\\d+)-[0-9a-f]+\\.tmp$`);
}

/**
 * Removes the temporary files of `file` that a killed process left behind (they may hold a full copy
 * of the file, secrets included). Call it holding the file's lock: then no other process is writing
 * one, so every temporary file of another pid is a leftover; with `onlyDeadOwners`, only those whose
 * process no longer runs go. Returns the removed paths.
 */
export async function removeLeftoverTemps(file: string, o: { onlyDeadOwners?: boolean } = {}): Promise<string[]> {
  const dir = path.dirname(file);
  const pattern = tempFilePattern(file);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || (o.onlyDeadOwners && pidRunning(pid))) continue;
    const p = path.join(dir, name);
    try {
      await fs.rm(p);
      removed.push(p);
    } catch {
      // removed meanwhile, or not ours to remove
    }
  }
  return removed;
}

/** Makes the rename durable (not supported on every platform: best effort). */
async function syncDir(dir: string): Promise<void> {
  let h;
  try {
    h = await fs.open(dir, "r");
    await h.sync();
  } catch {
    // directories cannot be opened or fsynced on some systems (Windows)
  } finally {
    await h?.close();
  }
}
