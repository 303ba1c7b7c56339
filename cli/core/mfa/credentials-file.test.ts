import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { credentialsFilePath, updateProfileFile } from "./credentials-file.ts";
import { cliProblem, parseProfileFile, setProfile } from "./profile-sections.ts";
import { HdocError } from "../../errors.ts";
import { acquireLock } from "../fs/lock.ts";
import { botocoreRead } from "../../../test/helpers/botocore.ts";

const VALUES: Array<[string, string]> = [
  ["aws_access_key_id", "ASIANEWKEY"],
  ["aws_secret_access_key", "new/secret+key"],
  ["aws_session_token", "newtoken=="],
  ["hdoc_expiration", "2026-01-01T00:00:00.000Z"],
];
const NEW = (eol = "\n") => VALUES.map(([k, v]) => `${k} = ${v}${eol}`).join("");
const edit = (current: Buffer) => setProfile(current, "mfa", VALUES);
const update = (file: string, e: (current: Buffer) => Buffer = edit, o: { lockWaitMs?: number } = {}) => updateProfileFile(file, e, { purpose: "test", ...o });

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const withoutBom = (b: Buffer) => (b.subarray(0, 3).equals(BOM) ? b.subarray(3) : b);

/**
 * An independent model of "the target section", on bytes (without a BOM): from its `[mfa]` header
 * (configparser's rule: `[`, the name up to the last `]`, anything after it) to its last line that is
 * not blank or a comment. Everything else in the file must come out byte for byte.
 */
function outsideTarget(file: Buffer, name: string): Buffer {
  const text = withoutBom(file).toString("latin1");
  const lines = text === "" ? [] : text.split(/(?<=\n)/);
  const headerName = (l: string) => /^\[(.+)\]/.exec(l.replace(/\r?\n$/, ""))?.[1];
  const keep = lines.map(() => true);
  for (let i = 0; i < lines.length; i++) {
    if (headerName(lines[i]!) !== name) continue;
    let last = i;
    for (let j = i + 1; j < lines.length && headerName(lines[j]!) === undefined; j++) {
      const t = lines[j]!.trim();
      if (t !== "" && !/^[#;]/.test(t)) last = j;
    }
    for (let k = i; k <= last; k++) keep[k] = false;
  }
  return Buffer.from(lines.filter((_, i) => keep[i]).join(""), "latin1");
}

/** Random files as bytes: other sections with any bytes in names, values and comments; CRLF; a BOM; no final newline. */
const anyBytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a.filter((b) => b !== 0x0a)).toString("latin1"));
const fileBytes = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constantFrom("mfa", "default", "work", "mfa-prod", "profile mfa", "caf\xe9", " mfa ").chain((n) => fc.constantFrom(`[${n}]`, `[${n}]; note`, `[${n}] # x`, `[${n}]#`)),
        fc.tuple(fc.constantFrom("region", "output", "aws_session_token", "AWS_ACCESS_KEY_ID", "aws_secret_access_key", "hdoc_expiration", "k"), fc.constantFrom(" = ", "=", " =", ": "), anyBytes(12)).map(([k, s, v]) => `${k}${s}${v}`),
        fc.tuple(fc.constantFrom("#", ";", "  #"), anyBytes(12)).map(([c, t]) => `${c}${t}`),
        fc.constantFrom("", "   ", "\t"),
        anyBytes(8).map((v) => `  x${v}`),
      ),
      { maxLength: 25 },
    ),
    fc.constantFrom("\n", "\r\n"),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([lines, eol, finalEol, bom]) => {
    const text = lines.join(eol);
    return Buffer.from((bom ? "\xef\xbb\xbf" : "") + (finalEol && text ? text + eol : text), "latin1");
  });

describe("the edit through the real read/write path keeps every byte outside the target", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hdoc-prop-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("for random files of any bytes; the result parses, and botocore reads it whenever hdoc says it can", async () => {
    const file = path.join(dir, "credentials");
    const results: Array<{ after: Buffer; problem: string | undefined }> = [];
    await fc.assert(
      fc.asyncProperty(fileBytes, async (before) => {
        writeFileSync(file, before, { mode: 0o600 });
        await update(file);
        const after = readFileSync(file);
        const a = outsideTarget(before, "mfa");
        const b = outsideTarget(after, "mfa");
        // appending a new section may add the missing final line ending and one blank line; nothing else
        expect(b.subarray(0, a.length).equals(a)).toBe(true);
        expect(b.subarray(a.length).toString("latin1")).toMatch(/^(\r?\n){0,2}$/);
        if (parseProfileFile(before).profiles.has("mfa")) expect(b.equals(a)).toBe(true);
        expect(after.subarray(0, 3).equals(BOM)).toBe(before.subarray(0, 3).equals(BOM));
        for (const [k, v] of VALUES) expect(parseProfileFile(after).profiles.get("mfa")?.[k]).toBe(v);
        expect(setProfile(after, "mfa", VALUES).equals(after)).toBe(true);
        results.push({ after, problem: cliProblem(after) });
      }),
      { numRuns: 300 },
    );
    expect(readdirSync(dir)).toEqual(["credentials"]);
    const views = await botocoreRead(results.map((r) => r.after));
    const readable = results.filter((r) => r.problem === undefined).length;
    // the generator must produce both kinds for this comparison to mean something (how many of each
    // varies from run to run: 20 was once exactly reached, so the floor is a handful, not a share)
    expect(readable).toBeGreaterThanOrEqual(5);
    expect(results.length - readable).toBeGreaterThanOrEqual(5);
    views.forEach((view, i) => {
      const { after, problem } = results[i]!;
      expect({ file: after.toString("latin1"), ok: view.ok }).toEqual({ file: after.toString("latin1"), ok: problem === undefined });
      if (view.ok) for (const [k, v] of VALUES) expect(view.sections.mfa?.[k]).toBe(v);
    });
  });
});

describe("updateProfileFile on disk", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hdoc-cred-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("creates a missing file with mode 0600 in a new 0700 folder", async () => {
    const file = path.join(dir, "home", ".aws", "credentials");
    const r = await update(file);
    expect(r.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).toBe(`[mfa]\n${NEW()}`);
  });

  it("keeps the mode of an existing file and leaves no temporary or lock files", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "[default]\nk=1\n", { mode: 0o600 });
    chmodSync(file, 0o600);
    await update(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o640);
    await update(file);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["credentials"]);
  });

  it("writes through a symlinked credentials file and keeps the link", async () => {
    mkdirSync(path.join(dir, "dotfiles"));
    const real = path.join(dir, "dotfiles", "aws-credentials");
    writeFileSync(real, "[default]\nk=1\n", { mode: 0o600 });
    const link = path.join(dir, "credentials");
    symlinkSync("dotfiles/aws-credentials", link);
    const r = await update(link);
    expect(r.realPath).toBe(real);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("dotfiles/aws-credentials");
    expect(readFileSync(real, "utf8")).toBe(`[default]\nk=1\n\n[mfa]\n${NEW()}`);
  });

  it("leaves the file untouched when the edit fails", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "# mine\r\n[default]\r\nk=1", { mode: 0o600 });
    await expect(
      update(file, () => {
        throw new HdocError("AUTH", "boom");
      }),
    ).rejects.toThrow("boom");
    expect(readFileSync(file, "utf8")).toBe("# mine\r\n[default]\r\nk=1");
    expect(readdirSync(dir)).toEqual(["credentials"]);
  });

  it("serialises concurrent updates so none is lost", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "# shared\n[default]\nk=1\n", { mode: 0o600 });
    const profiles = Array.from({ length: 6 }, (_, i) => `mfa${i}`);
    await Promise.all(
      profiles.map((p) =>
        update(file, (current) => {
          const next = setProfile(current, p, VALUES);
          // a slow editor between read and write: without the lock, the others would overwrite it
          const until = Date.now() + 30;
          while (Date.now() < until);
          return next;
        }),
      ),
    );
    const parsed = parseProfileFile(readFileSync(file)).profiles;
    for (const p of profiles) expect(parsed.get(p)?.aws_session_token).toBe("newtoken==");
    expect(readFileSync(file, "utf8").startsWith("# shared\n[default]\nk=1\n")).toBe(true);
  });

  it("gives up with a clear error while another process holds the lock, file untouched", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "[default]\nk=1\n", { mode: 0o600 });
    const held = await acquireLock(`${file}.lock`, { purpose: "mfa login" });
    try {
      await expect(update(file, edit, { lockWaitMs: 200 })).rejects.toMatchObject({ code: "FAILED", message: expect.stringContaining(`${file}.lock is held by hdoc pid ${process.pid} (mfa login)`) });
    } finally {
      await held.release();
    }
    expect(readFileSync(file, "utf8")).toBe("[default]\nk=1\n");
  });

  it("removes temporary copies a killed hdoc left next to the file (they hold secrets), and says which", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "[default]\nk=1\n", { mode: 0o600 });
    const leftover = path.join(dir, ".credentials.hdoc-999999-0a1b2c3d.tmp");
    writeFileSync(leftover, "[mfa]\naws_session_token = SECRET\n", { mode: 0o600 });
    writeFileSync(path.join(dir, ".config.hdoc-999999-0a1b2c3d.tmp"), "another file's: not ours to remove");
    const r = await update(file);
    expect(r.removedLeftovers).toEqual([leftover]);
    expect(readdirSync(dir).sort()).toEqual([".config.hdoc-999999-0a1b2c3d.tmp", "credentials"]);
  });

  it("never widens a mode, and reports the mode it kept", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "[default]\nk=1\n");
    chmodSync(file, 0o644);
    const r = await update(file);
    expect(r.mode & 0o777).toBe(0o644);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it("finds the file from AWS_SHARED_CREDENTIALS_FILE or the home folder", () => {
    expect(credentialsFilePath({}, "/home/u")).toBe("/home/u/.aws/credentials");
    expect(credentialsFilePath({ AWS_SHARED_CREDENTIALS_FILE: "~/creds" }, "/home/u")).toBe("/home/u/creds");
    expect(credentialsFilePath({ AWS_SHARED_CREDENTIALS_FILE: "/etc/aws/creds" }, "/home/u")).toBe("/etc/aws/creds");
  });
});
