import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import ini from "ini";
import lockfile from "proper-lockfile";
import { credentialsFilePath, parseCredentials, setProfile, updateCredentialsFile } from "./credentials-file.ts";
import { HdocError } from "../../errors.ts";

const VALUES: Array<[string, string]> = [
  ["aws_access_key_id", "ASIANEWKEY"],
  ["aws_secret_access_key", "new/secret+key"],
  ["aws_session_token", "newtoken=="],
  ["hdoc_expiration", "2026-01-01T00:00:00.000Z"],
];
const NEW = (eol = "\n") => VALUES.map(([k, v]) => `${k} = ${v}${eol}`).join("");

/**
 * An independent model of "the target section": from its `[name]` header to its last line that is not
 * blank or a comment. Everything else in the file must come out byte for byte.
 */
function outsideTarget(text: string, name: string): string {
  const lines = text === "" ? [] : text.split(/(?<=\n)/);
  const isHeader = (l: string) => /^\[[^\]]*\]\s*$/.test(l.replace(/\r?\n$/, ""));
  const keep = lines.map(() => true);
  for (let i = 0; i < lines.length; i++) {
    if (!isHeader(lines[i]!) || lines[i]!.replace(/\r?\n$/, "").trim() !== `[${name}]`) continue;
    let j = i + 1;
    let last = i;
    while (j < lines.length && !isHeader(lines[j]!)) {
      const t = lines[j]!.trim();
      if (t !== "" && !/^[#;]/.test(t)) last = j;
      j++;
    }
    for (let k = i; k <= last; k++) keep[k] = false;
  }
  return lines.filter((_, i) => keep[i]).join("");
}

function expectInvariants(before: string, after: string, name = "mfa") {
  const a = outsideTarget(before, name);
  const b = outsideTarget(after, name);
  // Appending a new section may add the missing final line ending and one blank line; nothing else.
  expect(b.startsWith(a)).toBe(true);
  expect(b.slice(a.length)).toMatch(/^(\r?\n){0,2}$/);
  if (before.includes(`[${name}]`)) expect(b).toBe(a);
  const parsed = ini.parse(after) as Record<string, Record<string, string>>;
  for (const [k, v] of VALUES) expect(parsed[name]?.[k]).toBe(v);
  for (const [k, v] of VALUES) expect(parseCredentials(after).profiles.get(name)?.[k]).toBe(v);
  expect(setProfile(after, name, VALUES)).toBe(after);
}

describe("setProfile over tricky files", () => {
  const cases: Array<[string, string, string]> = [
    ["an empty file", "", `[mfa]\n${NEW()}`],
    ["a file without a trailing newline", "[default]\nregion = x", `[default]\nregion = x\n\n[mfa]\n${NEW()}`],
    ["CRLF line ends and ; and # comments", "# top\r\n[default]\r\n; note\r\nkey=1\r\n", `# top\r\n[default]\r\n; note\r\nkey=1\r\n\r\n[mfa]\r\n${NEW("\r\n")}`],
    ["only comments", "# nothing yet\n", `# nothing yet\n\n[mfa]\n${NEW()}`],
    [
      "the target first, with its old keys",
      "[mfa]\naws_access_key_id = OLD\naws_secret_access_key = OLD\naws_session_token = OLD\nhdoc_expiration = 2020-01-01T00:00:00Z\n\n# work account\n[work]\nk = v\n",
      `[mfa]\n${NEW()}\n# work account\n[work]\nk = v\n`,
    ],
    [
      "the target in the middle, with extra keys and a continuation line",
      "[a]\nk=1\n[mfa]\nregion = eu-west-1\naws_session_token=OLD\n  continued\noutput = json\n\n[b]\nk=2\n",
      "[a]\nk=1\n[mfa]\nregion = eu-west-1\naws_session_token = newtoken==\noutput = json\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n\n[b]\nk=2\n",
    ],
    [
      "the target last, without a trailing newline",
      "[a]\nk=1\n\n[mfa]\naws_session_token = OLD",
      "[a]\nk=1\n\n[mfa]\naws_session_token = newtoken==\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n",
    ],
    [
      "duplicate target sections (merged into the first; the gaps after them stay)",
      "[mfa]\nregion = x\naws_session_token = OLD1\n\n[b]\nk=2\n\n[mfa]\n# dup\noutput = json\naws_session_token = OLD2\n\n# c follows\n[c]\n",
      "[mfa]\nregion = x\naws_session_token = newtoken==\n# dup\noutput = json\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n\n[b]\nk=2\n\n\n# c follows\n[c]\n",
    ],
    [
      "a duplicate target section starting with a continuation line (it continues nothing, so it goes)",
      "[mfa]\nhdoc_expiration = \n[mfa]\n  x",
      "[mfa]\nhdoc_expiration = 2026-01-01T00:00:00.000Z\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\naws_session_token = newtoken==\n",
    ],
    [
      "a duplicate target section starting with an indented key (it stays a key, not a continuation)",
      "[mfa]\naws_session_token = OLD\n[mfa]\n  region = x\n",
      "[mfa]\naws_session_token = newtoken==\nregion = x\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n",
    ],
    [
      "look-alike sections that are other profiles",
      "[ mfa ]\na=1\n[profile mfa]\nb=2\n[mfa-prod]\nc=3\n[MFA]\nd=4\n",
      `[ mfa ]\na=1\n[profile mfa]\nb=2\n[mfa-prod]\nc=3\n[MFA]\nd=4\n\n[mfa]\n${NEW()}`,
    ],
    [
      "upper-case keys, ':' delimiters, a repeated key and inline comments",
      "[mfa]\nAWS_SESSION_TOKEN: OLD # old\naws_session_token = OLDER\nregion = x ; keep\n",
      "[mfa]\naws_session_token = newtoken==\nregion = x ; keep\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n",
    ],
    ["a header-only target followed by comments", "[mfa]\n# keep me\n[b]\n", `[mfa]\n${NEW()}# keep me\n[b]\n`],
    [
      "many profiles with the target among them",
      "[p1]\nk=1\n\n[p2]\nk=2\n\n[mfa]\nx=y\n\n[p3]\nk=3\n\n[p4]\nk=4\n",
      `[p1]\nk=1\n\n[p2]\nk=2\n\n[mfa]\nx=y\n${NEW()}\n[p3]\nk=3\n\n[p4]\nk=4\n`,
    ],
  ];

  it.each(cases)("edits %s", (_name, before, expected) => {
    const after = setProfile(before, "mfa", VALUES);
    expect(after).toBe(expected);
    expectInvariants(before, after);
  });

  it("reads a header with an inline comment as the SDKs and the AWS CLI do", () => {
    const after = setProfile("[mfa] ; my session\naws_session_token = OLD\n[b]\n", "mfa", VALUES);
    expect(after).toBe(`[mfa] ; my session\naws_session_token = newtoken==\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n[b]\n`);
  });

  it("refuses a profile name that would break the file", () => {
    expect(() => setProfile("", "a]\n[b", VALUES)).toThrow(HdocError);
    expect(() => setProfile("", "mfa", [["aws_session_token", "a\nb"]])).toThrow(HdocError);
  });

  it("keeps every byte outside the target section for random files, and the result parses", () => {
    const names = fc.constantFrom("mfa", "default", "work", "mfa-prod", "profile mfa", "x");
    const key = fc.constantFrom("region", "output", "aws_session_token", "AWS_ACCESS_KEY_ID", "aws_secret_access_key", "hdoc_expiration", "k");
    const value = fc.stringMatching(/^[A-Za-z0-9/+=_-]{0,12}$/);
    const line = fc.oneof(
      names.map((n) => `[${n}]`),
      fc.tuple(key, fc.constantFrom(" = ", "=", " =", ": "), value).map(([k, s, v]) => `${k}${s}${v}`),
      fc.tuple(fc.constantFrom("#", ";", "  #"), fc.stringMatching(/^[ a-z[\]=]{0,10}$/)).map(([c, t]) => `${c}${t}`),
      fc.constantFrom("", "   "),
      value.map((v) => `  ${v}x`),
    );
    const file = fc.tuple(fc.array(line, { maxLength: 25 }), fc.constantFrom("\n", "\r\n"), fc.boolean()).map(([lines, eol, finalEol]) => {
      const text = lines.join(eol);
      return finalEol && text ? text + eol : text;
    });
    fc.assert(
      fc.property(file, (before) => {
        expectInvariants(before, setProfile(before, "mfa", VALUES));
      }),
      { numRuns: 500 },
    );
  });
});

describe("updateCredentialsFile on disk", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hdoc-cred-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const edit = (text: string) => setProfile(text, "mfa", VALUES);

  it("creates a missing file with mode 0600 in a new 0700 folder", async () => {
    const file = path.join(dir, "home", ".aws", "credentials");
    const r = await updateCredentialsFile(file, edit);
    expect(r.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).toBe(`[mfa]\n${NEW()}`);
  });

  it("keeps the mode of an existing file and leaves no temporary or lock files", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "[default]\nk=1\n", { mode: 0o600 });
    chmodSync(file, 0o600);
    await updateCredentialsFile(file, edit);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o640);
    await updateCredentialsFile(file, edit);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["credentials"]);
  });

  it("writes through a symlinked credentials file and keeps the link", async () => {
    mkdirSync(path.join(dir, "dotfiles"));
    const real = path.join(dir, "dotfiles", "aws-credentials");
    writeFileSync(real, "[default]\nk=1\n", { mode: 0o600 });
    const link = path.join(dir, "credentials");
    symlinkSync("dotfiles/aws-credentials", link);
    const r = await updateCredentialsFile(link, edit);
    expect(r.realPath).toBe(real);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("dotfiles/aws-credentials");
    expect(readFileSync(real, "utf8")).toBe(`[default]\nk=1\n\n[mfa]\n${NEW()}`);
  });

  it("leaves the file untouched when the edit fails", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "# mine\r\n[default]\r\nk=1", { mode: 0o600 });
    await expect(
      updateCredentialsFile(file, () => {
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
        updateCredentialsFile(file, (text) => {
          const next = setProfile(text, p, VALUES);
          // a slow editor between read and write: without the lock, the others would overwrite it
          const until = Date.now() + 30;
          while (Date.now() < until);
          return next;
        }),
      ),
    );
    const parsed = parseCredentials(readFileSync(file, "utf8")).profiles;
    for (const p of profiles) expect(parsed.get(p)?.aws_session_token).toBe("newtoken==");
    expect(readFileSync(file, "utf8").startsWith("# shared\n[default]\nk=1\n")).toBe(true);
  });

  it("gives up with a clear error while another process holds the lock, file untouched", async () => {
    const file = path.join(dir, "credentials");
    writeFileSync(file, "[default]\nk=1\n", { mode: 0o600 });
    const release = await lockfile.lock(file, { realpath: false });
    try {
      await expect(updateCredentialsFile(file, edit, { lockWaitMs: 200 })).rejects.toMatchObject({ code: "FAILED", message: expect.stringContaining("locked by another hdoc") });
    } finally {
      await release();
    }
    expect(readFileSync(file, "utf8")).toBe("[default]\nk=1\n");
  });

  it("finds the file from AWS_SHARED_CREDENTIALS_FILE or the home folder", () => {
    expect(credentialsFilePath({}, "/home/u")).toBe("/home/u/.aws/credentials");
    expect(credentialsFilePath({ AWS_SHARED_CREDENTIALS_FILE: "~/creds" }, "/home/u")).toBe("/home/u/creds");
    expect(credentialsFilePath({ AWS_SHARED_CREDENTIALS_FILE: "/etc/aws/creds" }, "/home/u")).toBe("/etc/aws/creds");
  });
});
