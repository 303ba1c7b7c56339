/** `hdoc doctor` against a temporary HOME in good and broken states (built binary, moto for STS). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, writeFileSync } from "node:fs";
import { runHdoc, tempHome, type TempHome } from "../helpers/hdoc.ts";
import { startMoto, type Moto } from "../helpers/moto.ts";
import { freePort } from "../helpers/net.ts";

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto.stop();
});

const KEYS = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
const session = (expires: Date) =>
  `[mfa]\naws_access_key_id = ASIAEXAMPLESESSION01\naws_secret_access_key = ${"s".repeat(40)}\naws_session_token = ${"t".repeat(120)}\nhdoc_expiration = ${expires.toISOString()}\n`;

interface Doc {
  ok: boolean;
  checks: Array<{ id: string; status: string; message: string; fix?: string }>;
}
const byId = (d: Doc) => Object.fromEntries(d.checks.map((c) => [c.id, c]));

async function doctor(h: TempHome, args: string[] = [], env: Record<string, string> = {}) {
  const r = await runHdoc(["doctor", "--json", ...args], { home: h.home, cwd: h.home, env });
  return { r, doc: JSON.parse(r.stdout) as Doc };
}

describe("hdoc doctor", () => {
  const homes: TempHome[] = [];
  const home = () => {
    const h = tempHome();
    homes.push(h);
    return h;
  };
  afterAll(() => homes.forEach((h) => h.cleanup()));

  it("good state: files private, a valid session, STS reached with --online; exit 0", async () => {
    const h = home();
    writeFileSync(h.credentialsFile, `[default]\n${KEYS}\n${session(new Date(Date.now() + 6 * 3600_000))}`, { mode: 0o600 });
    writeFileSync(h.configFile, "[profile mfa]\nregion = eu-west-1\n", { mode: 0o600 });
    const { r, doc } = await doctor(h, ["--online", "--endpoint-url", moto.url]);
    expect(r.exitCode, r.stderr).toBe(0);
    const c = byId(doc);
    expect(doc.ok).toBe(true);
    expect(c["node"]).toMatchObject({ status: "ok" });
    expect(c["credentials-file"]).toMatchObject({ status: "ok", message: expect.stringContaining("(0600)") });
    expect(c["profile"]).toMatchObject({ status: "ok", message: "profile mfa (from default)" });
    expect(c["region"]).toMatchObject({ status: "ok", message: "region eu-west-1 (from AWS config)" });
    expect(c["endpoint"]).toMatchObject({ message: `endpoint ${moto.url} (from flag)` });
    expect(c["mfa-session"]).toMatchObject({ status: "ok", message: expect.stringMatching(/^MFA session in profile mfa: 5h 5\dm left$/) });
    expect(c["aws"]).toMatchObject({ status: "ok", message: expect.stringContaining("account 123456789012") });
    expect(r.stdout + r.stderr).not.toContain("wJalrXUtnFEMI");
  });

  it("broken state: 0644 credentials, expired session: warnings with the fix; exit 0 (nothing fails)", async () => {
    const h = home();
    writeFileSync(h.credentialsFile, `[default]\n${KEYS}\n${session(new Date(Date.now() - 60_000))}`);
    chmodSync(h.credentialsFile, 0o644);
    const { r, doc } = await doctor(h);
    expect(r.exitCode, r.stderr).toBe(0);
    const c = byId(doc);
    expect(c["credentials-file"]).toMatchObject({ status: "warn", message: expect.stringContaining("readable by others (0644)"), fix: `chmod 600 ${h.credentialsFile}` });
    expect(c["mfa-session"]).toMatchObject({ status: "warn", fix: "run `hdoc mfa login`" });
    expect(c["aws"]).toMatchObject({ status: "skip" });
  });

  it("missing files: said, with how to create them", async () => {
    const h = home();
    const { r, doc } = await doctor(h);
    expect(r.exitCode).toBe(0);
    const c = byId(doc);
    expect(c["credentials-file"]).toMatchObject({ status: "warn", message: `${h.credentialsFile} does not exist` });
    expect(c["config-file"]).toMatchObject({ status: "warn" });
    expect(c["mfa-session"]).toMatchObject({ status: "warn", message: "no MFA session written by hdoc" });
  });

  it("a credentials file the AWS CLI cannot parse fails, naming what is wrong", async () => {
    const h = home();
    writeFileSync(h.credentialsFile, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`[default]\n${KEYS}`)]), { mode: 0o600 });
    const { r, doc } = await doctor(h);
    expect(r.exitCode).toBe(9);
    expect(byId(doc)["credentials-file"]).toMatchObject({ status: "fail", message: expect.stringContaining("byte-order mark") });
  });

  it("an unreachable endpoint with --online fails: exit 9 and the fix", async () => {
    const h = home();
    writeFileSync(h.credentialsFile, `[default]\n${KEYS}`, { mode: 0o600 });
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { r, doc } = await doctor(h, ["--online", "--endpoint-url", closed]);
    expect(r.exitCode).toBe(9);
    expect(doc.ok).toBe(false);
    expect(byId(doc)["aws"]).toMatchObject({ status: "fail", message: expect.stringMatching(/cannot reach the AWS endpoint/) });
  });

  it("a named profile that does not exist, and a bad region from the environment, fail", async () => {
    const h = home();
    const named = await doctor(h, ["--profile", "nope"]);
    expect(named.r.exitCode).toBe(9);
    expect(byId(named.doc)["profile"]).toMatchObject({ status: "fail", message: "profile nope (from flag) is not in the AWS config or credentials files" });
    const region = await doctor(h, [], { AWS_REGION: "mars-1" });
    expect(region.r.exitCode).toBe(9);
    expect(byId(region.doc)["settings"]).toMatchObject({ status: "fail", message: expect.stringContaining('"mars-1" (from the environment) is not an AWS region') });
  });

  it("prints one line per check with ok / warn / fail in text mode", async () => {
    const h = home();
    const r = await runHdoc(["doctor"], { home: h.home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}node +Node /m);
    expect(r.stdout).toMatch(/^warn +credentials-file +.* does not exist$/m);
    expect(r.stdout).toMatch(/^ +fix: /m);
    expect(r.stdout).toMatch(/^(ok|warn) +tool-moto +/m);
    // every machine tool the suite demands (test/helpers/tools.ts) is checked, not only the Python ones
    for (const t of ["script", "zsh", "fish"]) expect(r.stdout).toMatch(new RegExp(`^ok +tool-${t} +\\S`, "m"));
    // the repository's functions run on nodejs22.x: said exactly when this Node is another major
    const other = Number(process.versions.node.split(".")[0]) !== 22;
    expect(r.stdout).toMatch(other ? /^warn +node-runtime +the functions run on nodejs22\.x on Lambda; this is Node \d+/m : /^ok +node-runtime +the functions' runtime \(nodejs22\.x\) matches Node 22$/m);
  });
});
