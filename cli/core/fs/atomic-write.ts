/**
 * The one way hdoc replaces a file that matters (credentials, build output): a temporary file in the
 * same folder, created 0600 from the first byte, written, fsynced, given the final mode, renamed over
 * the target, and the folder synced. Readers see the old file or the new one, never half of one; the
 * temporary file is removed when anything fails.
 */
import { closeSync, constants as fsConstants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import fs from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";

export interface AtomicWriteOptions {
  /** Mode of the written file (default 0o600 for a new file; pass the old mode to keep it). */
  mode?: number;
  /** Owner to keep (best effort: only root may give a file away). */
  owner?: { uid: number; gid: number };
  /** Name of the temporary file, in the target's folder (default `.<name>.hdoc-<pid>-<random>.tmp`). */
  tempName?: string;
}

const CREATE = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL;

export const tempFileFor = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.hdoc-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);

export async function writeFileAtomic(file: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = o.tempName ? path.join(dir, o.tempName) : tempFileFor(file);
  try {
    const handle = await fs.open(tmp, CREATE, 0o600);
    try {
      if (o.mode !== undefined && o.mode !== 0o600) await handle.chmod(o.mode);
      if (o.owner) await handle.chown(o.owner.uid, o.owner.gid).catch(() => undefined);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
}

export function writeFileAtomicSync(file: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = o.tempName ? path.join(dir, o.tempName) : tempFileFor(file);
  try {
    const fd = openSync(tmp, CREATE, o.mode ?? 0o600);
    try {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
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
