/**
 * `hdoc mfa exec -- <command>` end to end: the built binary with a temporary HOME against moto, the
 * child a small Node program that records its environment and command line to a file (so hdoc's own
 * output can be checked for secrets), and the real AWS CLI using the session from the environment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { awsHomes, cleanEnv, HDOC_BIN, REPO_ROOT, runHdoc, type TempHome } from "../helpers/hdoc.ts";
import { startMoto, type Moto } from "../helpers/moto.ts";

const SOURCE_KEY = "AKIDSOURCEE2EKEY0001";
const SOURCE_SECRET = "sourceSecretE2E/abc+def0123456789";
const MOTO_KEY = "AKIAIOSFODNN7EXAMPLE";
const MOTO_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
const SOURCE = `[default]\naws_access_key_id = ${SOURCE_KEY}\naws_secret_access_key = ${SOURCE_SECRET}\n`;

/** A child that writes its AWS variables and argv to `out`, then exits with `code`. */
const recorder = (out: string, code = 0) => [
  "node",
  "-e",
  `const fs = require("fs"); fs.writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("AWS_"))) })); process.exit(${code});`,
];

let moto: Moto;
const homes = awsHomes();
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
  homes.cleanupAll();
});

const exec = (h: TempHome, hdocArgs: string[], child: string[], env?: Record<string, string>) =>
  // run outside the repository: its hdoc.config.json sets a region, which would win over the profile's
  runHdoc(["mfa", "exec", "--endpoint-url", moto.url, ...hdocArgs, "--", ...child], { home: h.home, env, cwd: h.home });
const recorded = (file: string) => JSON.parse(readFileSync(file, "utf8")) as { argv: string[]; env: Record<string, string> };
function expectNoSecrets(text: string) {
  for (const s of [SOURCE_KEY, SOURCE_SECRET, MOTO_KEY, MOTO_SECRET, "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT"]) expect(text).not.toContain(s);
}

describe("hdoc mfa exec", () => {
  it("logs in when there is no session, gives the child the session, region and expiry (no AWS_PROFILE), and passes its exit code", async () => {
    const h = homes.home(SOURCE, "[default]\nregion = eu-west-1\n");
    const out = path.join(h.home, "child.json");
    const r = await exec(h, ["--token-code", "123456"], recorder(out, 7), { AWS_PROFILE: "someone-else", AWS_DEFAULT_PROFILE: "other", AWS_ACCESS_KEY_ID: "AKIAPARENTKEY0000001" });
    expect(r.exitCode).toBe(7);
    const child = recorded(out);
    const file = readFileSync(h.credentialsFile, "utf8");
    const session = /\[mfa\]\n(?:.*\n)*?aws_session_token = (.*)\n/.exec(file)?.[1];
    expect(child.env).toMatchObject({ AWS_ACCESS_KEY_ID: MOTO_KEY, AWS_SECRET_ACCESS_KEY: MOTO_SECRET, AWS_SESSION_TOKEN: session, AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "eu-west-1" });
    expect(Date.parse(child.env.AWS_CREDENTIAL_EXPIRATION!) - Date.now()).toBeGreaterThan(11 * 3600_000);
    expect(child.env.AWS_PROFILE).toBeUndefined();
    expect(child.env.AWS_DEFAULT_PROFILE).toBeUndefined();
    // secrets only in the environment: not on the child's command line, not in hdoc's output
    expectNoSecrets(child.argv.join(" "));
    expectNoSecrets(r.stdout + r.stderr);
    expect(r.stderr).toContain("MFA session 'mfa' renewed");
  });

  it("reuses a valid session without a code, and the AWS CLI works with it from the environment", async () => {
    const h = homes.home(SOURCE);
    expect((await runHdoc(["mfa", "login", "--endpoint-url", moto.url, "--token-code", "123456"], { home: h.home })).exitCode).toBe(0);
    const before = readFileSync(h.credentialsFile, "utf8");
    const r = await exec(h, [], ["aws", "sts", "get-caller-identity", "--endpoint-url", moto.url]);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ Account: "123456789012", UserId: MOTO_KEY });
    expect(readFileSync(h.credentialsFile, "utf8")).toBe(before);
  });

  it("--no-write keeps a new session in the child's environment only, never on disk", async () => {
    const h = homes.home(SOURCE);
    const out = path.join(h.home, "child.json");
    const r = await exec(h, ["--token-code", "123456", "--no-write"], recorder(out));
    expect(r.exitCode).toBe(0);
    expect(recorded(out).env).toMatchObject({ AWS_ACCESS_KEY_ID: MOTO_KEY, AWS_SECRET_ACCESS_KEY: MOTO_SECRET, AWS_REGION: "us-east-1" });
    expect(readFileSync(h.credentialsFile, "utf8")).toBe(SOURCE);
    expect(r.stderr).toContain("MFA session 'mfa' renewed (kept in memory only)");
    expectNoSecrets(r.stdout + r.stderr);
  });

  it("passes SIGTERM on to the child and exits with the child's code", async () => {
    const h = homes.home(SOURCE);
    const ready = path.join(h.home, "ready");
    const script = `process.on("SIGTERM", () => { require("fs").writeFileSync(${JSON.stringify(ready)} + ".term", "1"); process.exit(42); }); require("fs").writeFileSync(${JSON.stringify(ready)}, "1"); setTimeout(() => {}, 30000);`;
    const child = execa("node", [HDOC_BIN, "mfa", "exec", "--endpoint-url", moto.url, "--token-code", "123456", "--", "node", "-e", script], { cwd: REPO_ROOT, env: cleanEnv(h.home), extendEnv: false, reject: false });
    for (let i = 0; i < 600 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(ready)).toBe(true);
    child.kill("SIGTERM");
    const r = await child;
    expect(existsSync(`${ready}.term`)).toBe(true);
    expect(r.exitCode).toBe(42);
  });

  it.each([
    ["no command", [], 2, /error: missing required argument 'command'/],
    ["a command that does not exist", ["no-such-command-hdoc"], 6, /error: cannot run 'no-such-command-hdoc': command not found\nhint: /],
  ])("fails clearly on %s", async (_name, child, code, message) => {
    const h = homes.home(SOURCE);
    const r = await exec(h, ["--token-code", "123456"], child);
    expect(r.stderr).toMatch(message);
    expect(r.exitCode).toBe(code);
  });
});
