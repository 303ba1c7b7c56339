/**
 * Deterministic zips of build artifacts: the same files give the same bytes on every run and every
 * machine, so an unchanged function keeps its content-addressed S3 key and is not uploaded again.
 *
 * What is fixed: entries in byte order of their forward-slash paths, no directory entries (Lambda
 * and every unzip create parents from file paths), every time stamp 1980-01-01 00:00 in the DOS
 * fields only (no Info-ZIP "UT" field, which would carry a time zone dependent value), mode 0644, or
 * 0755 when the file has any execute bit (a bootstrap or a binary must stay executable), DEFLATE at
 * zlib's level 6. Symbolic links are followed, as `aws cloudformation package` does.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ZipFile } from "yazl";

/**
 * The DOS epoch as a local time, made at each call: yazl writes the DOS fields from local time, so
 * this is 1980-01-01 00:00 in the zip whatever the time zone (even one changed while running).
 */
const fixedTime = () => new Date(1980, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;
const EXEC_MODE = 0o100755;

export interface ZipEntry {
  /** Forward-slash path inside the zip. */
  name: string;
  data: Buffer;
  executable: boolean;
}

/** Every regular file under `dir` (links followed), sorted by path. */
export function folderEntries(dir: string): ZipEntry[] {
  const out: ZipEntry[] = [];
  const walk = (abs: string, rel: string, seen: Set<string>) => {
    for (const name of readdirSync(abs)) {
      const file = path.join(abs, name);
      const st = statSync(file);
      const relName = rel ? `${rel}/${name}` : name;
      if (st.isDirectory()) {
        const real = `${st.dev}:${st.ino}`;
        if (seen.has(real)) continue; // a link back up the tree
        walk(file, relName, new Set(seen).add(real));
      } else if (st.isFile()) {
        out.push({ name: relName, data: readFileSync(file), executable: (st.mode & 0o111) !== 0 });
      }
    }
  };
  const root = statSync(dir);
  walk(dir, "", new Set([`${root.dev}:${root.ino}`]));
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}

/** The zip of `entries` (sorted here as well, so the caller's order never matters). */
export function zipEntries(entries: ZipEntry[]): Promise<Buffer> {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const zip = new ZipFile();
  const mtime = fixedTime();
  for (const e of sorted) {
    zip.addBuffer(e.data, e.name, { mtime, mode: e.executable ? EXEC_MODE : FILE_MODE, compress: true, compressionLevel: 6, forceDosTimestamp: true });
  }
  const chunks: Buffer[] = [];
  return new Promise<Buffer>((resolve, reject) => {
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("error", reject);
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

/** Zips a folder (an artifact) or a single file (placed at the zip's root). */
export async function zipPath(file: string): Promise<Buffer> {
  const st = statSync(file);
  if (st.isDirectory()) return zipEntries(folderEntries(file));
  return zipEntries([{ name: path.basename(file), data: readFileSync(file), executable: (st.mode & 0o111) !== 0 }]);
}
