/**
 * `hdoc mfa login` at the edges (issue 11), end to end: the built binary, a temporary HOME, moto for
 * STS and the real AWS CLI reading what hdoc wrote. Each case under "Why" of the issue is here, and
 * each failed on the code before it: bytes outside the target, headers with comments, upper-case
 * keys, [default] leaking into the source's STS client, a crashed owner's lock, a lock folder hdoc may
 * not write, a temporary copy left by a killed hdoc, a credentials file others can read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, chownSync, closeSync, constants as fsConstants, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { awsHomes, cleanEnv, HDOC_BIN, REPO_ROOT, runHdoc, runHdocInTerminal, type HdocResult, type TempHome } from "../helpers/hdoc.ts";
import { startMoto, type Moto } from "../helpers/moto.ts";
import { callerIdentity, sessionToken, startStsEndpoint, STS_ERRORS, type StsEndpoint } from "../helpers/sts-endpoint.ts";

const SOURCE_KEY = "AKIDSOURCEE2EKEY0001";
const SOURCE_SECRET = "sourceSecretE2E/abc+def0123456789";
const MOTO_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
const SECRETS = [SOURCE_KEY, SOURCE_SECRET, MOTO_SECRET, "AKIAIOSFODNN7EXAMPLE"];
const KEYS = `aws_access_key_id = ${SOURCE_KEY}\naws_secret_access_key = ${SOURCE_SECRET}\n`;
const EXPIRED = `aws_access_key_id = ASIAOLDSESSION000001\naws_secret_access_key = oldSecret\naws_session_token = oldToken\nhdoc_expiration = 2020-01-01T00:00:00.000Z\nhdoc_source_profile = default\n`;
const latin1 = (s: string) => Buffer.from(s, "latin1");

let moto: Moto;
const homes = awsHomes();
const home = (credentials?: Buffer | string, config?: string): TempHome => homes.home(credentials, config);
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
  homes.cleanupAll();
});

const login = (h: TempHome, args: string[] = [], env?: Record<string, string>) => runHdoc(["mfa", "login", "--endpoint-url", moto.url, "--token-code", "123456", ...args], { home: h.home, env });
const aws = (h: TempHome, args: string[]) => execa("aws", args, { env: cleanEnv(h.home), extendEnv: false, reject: false });
const headers = (file: Buffer, name: string) => file.toString("latin1").split(/\r?\n/).filter((l) => l.replace(/^\xef\xbb\xbf/, "").startsWith(`[${name}]`)).length;
function expectOk(r: HdocResult) {
  expect(r.stderr).not.toContain("error:");
  expect(r.exitCode).toBe(0);
  for (const s of SECRETS) expect(r.stdout + r.stderr).not.toContain(s);
}

describe("bytes outside the target never change", () => {
  it("keeps a Latin-1 comment byte for byte (no EF BF BD), and says the AWS CLI cannot read such a file", async () => {
    const before = latin1(`# caf\xe9 cr\xe8me\n[default]\n${KEYS}`);
    const h = home(before);
    const r = await login(h);
    expectOk(r);
    const after = readFileSync(h.credentialsFile);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    expect(after.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(false);
    expect(r.stderr).toContain(`warning: the AWS CLI cannot read ${h.credentialsFile}: it holds bytes that are not UTF-8 (line 1); hdoc changed only [mfa]`);
  });

  it("sees [mfa] directly after a UTF-8 BOM, keeps the BOM and writes no second [mfa]", async () => {
    const h = home(latin1(`\xef\xbb\xbf[mfa]\n${EXPIRED}\n[default]\n${KEYS}`));
    expectOk(await login(h));
    const after = readFileSync(h.credentialsFile);
    expect([...after.subarray(0, 6)]).toEqual([0xef, 0xbb, 0xbf, 0x5b, 0x6d, 0x66]);
    expect(headers(after, "mfa")).toBe(1);
    expect(after.toString("latin1")).toContain(`\n[default]\n${KEYS}`);
  });

  it.each([["[mfa]; session profile"], ["[mfa] # note"]])("sees the header %j (a comment touching it), and the AWS CLI reads the session", async (header) => {
    const h = home(`[default]\n${KEYS}\n${header}\n${EXPIRED}`);
    expectOk(await login(h));
    const after = readFileSync(h.credentialsFile);
    expect(headers(after, "mfa")).toBe(1);
    expect(after.toString()).toContain(`\n${header}\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n`);
    const got = await aws(h, ["configure", "get", "aws_secret_access_key", "--profile", "mfa"]);
    expect(got.stderr).toBe("");
    expect(got.stdout.trim()).toBe(MOTO_SECRET);
  });
});

describe("the source profile, read as the AWS CLI reads it", () => {
  it("reads upper-case key names (AWS_ACCESS_KEY_ID = ...)", async () => {
    const h = home(`[src]\nAWS_ACCESS_KEY_ID = ${SOURCE_KEY}\nAWS_SECRET_ACCESS_KEY = ${SOURCE_SECRET}\n`);
    expectOk(await login(h, ["--source-profile", "src"]));
  });

  it("configures STS from the source profile alone: [default] use_fips_endpoint does not leak in", async () => {
    const h = home(`[src]\n${KEYS}`, "[default]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n");
    expectOk(await login(h, ["--source-profile", "src"]));
  });

  it("fails on an unknown --source-profile before saying anything about renewing, offering no session profiles", async () => {
    const valid = EXPIRED.replace("2020-01-01T00:00:00.000Z", new Date(Date.now() + 3600_000).toISOString());
    const h = home(`[default]\n${KEYS}\n[mfa]\n${valid}`);
    const r = await login(h, ["--source-profile", "nope"]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe("error: unknown source profile 'nope' (--source-profile): the profiles that exist are default\nhint: pick one with --source-profile (or HDOC_SOURCE_PROFILE)");
  });
});

describe("the daily flow", () => {
  it("inherits the source profile's region into [profile mfa] of the config file; the AWS CLI then needs no --region", async () => {
    const config = "# my settings\n[default]\nregion = eu-west-1\noutput = json\n";
    const h = home(`[default]\n${KEYS}`, config);
    const r = await login(h);
    expectOk(r);
    expect(r.stderr).toContain(`set region eu-west-1 for profile 'mfa' in ${h.configFile} (from source profile 'default')`);
    expect(readFileSync(h.configFile, "utf8")).toBe(`${config}\n[profile mfa]\nregion = eu-west-1\n`);
    expect((await aws(h, ["configure", "get", "region", "--profile", "mfa"])).stdout.trim()).toBe("eu-west-1");
    const who = await aws(h, ["sts", "get-caller-identity", "--profile", "mfa", "--endpoint-url", moto.url]);
    expect(who.stderr).toBe("");
    expect(JSON.parse(who.stdout)).toMatchObject({ Account: "123456789012" });
  });

  it("accepts a code with a space ('123 456') and the AWS CLI v2 spellings --update-profile and --duration-seconds", async () => {
    const h = home(`[default]\n${KEYS}`);
    const r = await runHdoc(["mfa", "login", "--endpoint-url", moto.url, "--token-code", "123 456", "--update-profile", "mfa-v2", "--duration-seconds", "3600", "--json"], { home: h.home });
    expectOk(r);
    const doc = JSON.parse(r.stdout);
    expect(doc.profile).toBe("mfa-v2");
    expect(Date.parse(doc.expiry) - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(Date.parse(doc.expiry) - Date.now()).toBeGreaterThan(3000_000);
  });

  it("warns about a credentials file others can read (as printf >> creates it), with the fix, and keeps its mode", async () => {
    const h = home(`[default]\n${KEYS}`);
    chmodSync(h.credentialsFile, 0o644);
    const r = await login(h);
    expectOk(r);
    expect(r.stderr).toContain(`warning: ${h.credentialsFile} can be read by others (mode 0644) and now holds a session token; fix it with: chmod 600 ${h.credentialsFile}`);
  });

  describe("a code STS rejects", () => {
    let sts: StsEndpoint;
    beforeAll(async () => {
      sts = await startStsEndpoint();
      sts.set("GetCallerIdentity", callerIdentity("arn:aws:iam::111122223333:user/alice", "111122223333"));
      let calls = 0;
      sts.set("GetSessionToken", () => (++calls === 1 ? STS_ERRORS.mfaCodeRejected() : sessionToken({ accessKeyId: "ASIAFAKESESSION0001", secretAccessKey: "fakeSessionSecret0123", sessionToken: "fakeSessionTokenXYZ0123", expiration: new Date(Date.now() + 3600_000) })));
    });
    afterAll(() => sts?.close());

    it("is asked for again in a terminal", async () => {
      const h = home(`[default]\n${KEYS}`);
      const r = await runHdocInTerminal(["mfa", "login", "--endpoint-url", sts.url], { home: h.home, keys: [{ after: "MFA code", send: "111111\r" }, { after: "code rejected", send: "222222\r" }], timeoutMs: 30_000 });
      expect(r.output).toContain("code rejected; wait for the next code (try 2 of 3)");
      expect(r.output).toContain("MFA session 'mfa' valid until");
      expect(r.exitCode).toBe(0);
      expect(sts.requests.filter((q) => q.action === "GetSessionToken").map((q) => q.params.TokenCode)).toEqual(["111111", "222222"]);
    });
  });
});

describe("crashes, locks and temporary files", () => {
  /**
   * A login that holds the credentials file's lock and waits there: the file is a named pipe that
   * this test feeds to every reader (hdoc's first read, the SDK's) until the lock appears; the read
   * under the lock then finds no writer and blocks.
   */
  async function loginHoldingTheLock(h: TempHome) {
    rmSync(h.credentialsFile, { force: true });
    await execa("mkfifo", ["-m", "600", h.credentialsFile]);
    const child = execa("node", [HDOC_BIN, "mfa", "login", "--endpoint-url", moto.url, "--token-code", "123456"], { cwd: REPO_ROOT, env: cleanEnv(h.home), extendEnv: false, reject: false });
    const lock = `${h.credentialsFile}.lock`;
    for (let i = 0; i < 3000 && !existsSync(lock) && child.exitCode === null; i++) {
      // after feeding a reader, give it time to finish before the pipe is opened again
      await new Promise((r) => setTimeout(r, feed(h) ? 100 : 5));
    }
    expect(existsSync(lock)).toBe(true);
    return { child, lock };
  }

  /** Gives the pipe's reader, if one waits, the file's content; true if one did. */
  function feed(h: TempHome): boolean {
    let fd: number;
    try {
      fd = openSync(h.credentialsFile, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    } catch {
      return false; // no reader
    }
    try {
      writeSync(fd, `[default]\n${KEYS}`);
      return true;
    } catch {
      return false; // the reader went away (EPIPE)
    } finally {
      closeSync(fd);
    }
  }

  it("after kill -9 of a login holding the lock, the next login takes it over at once and says so", async () => {
    const h = home(undefined, `[default]\n${KEYS}`);
    const { child, lock } = await loginHoldingTheLock(h);
    const pid = child.pid!;
    child.kill("SIGKILL");
    await child;
    expect(JSON.parse(readFileSync(lock, "utf8"))).toMatchObject({ pid, purpose: "mfa login" });
    rmSync(h.credentialsFile);
    writeFileSync(h.credentialsFile, `[default]\n${KEYS}`, { mode: 0o600 });
    const r = await login(h);
    expectOk(r);
    expect(r.stderr).toContain(`took over the lock ${lock} from hdoc pid ${pid} (mfa login), which is no longer running`);
    expect(r.stderr).not.toContain("waiting for");
    expect(readdirSync(h.aws).sort()).toEqual(["config", "credentials"]);
  });

  it.each([["SIGINT", 130], ["SIGTERM", 143]] as const)("on %s mid-update: exit %i, no lock and no temporary file left, file as it was", async (signal, code) => {
    const h = home(undefined, `[default]\n${KEYS}`);
    const { child, lock } = await loginHoldingTheLock(h);
    child.kill(signal);
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => (stderr += d));
    for (let i = 0; i < 600 && !stderr.includes("interrupted"); i++) await new Promise((r) => setTimeout(r, 50));
    // hdoc has handled the signal: the lock went before anything else
    expect(existsSync(lock)).toBe(false);
    // its blocked read of the pipe (a thread the process waits for on exit) is let go
    for (let i = 0; i < 600 && child.exitCode === null && !feed(h); i++) await new Promise((r) => setTimeout(r, 10));
    const r = await child;
    expect(r.exitCode).toBe(code);
    expect(existsSync(lock)).toBe(false);
    expect(readdirSync(h.aws).sort()).toEqual(["config", "credentials"]);
  });

  it("removes a temporary copy (with secrets) that a killed hdoc left behind, and says so", async () => {
    const h = home(`[default]\n${KEYS}`);
    const leftover = path.join(h.aws, ".credentials.hdoc-999999-0a1b2c3d.tmp");
    writeFileSync(leftover, `[default]\n${KEYS}[mfa]\naws_session_token = LEFTOVERTOKEN\n`, { mode: 0o600 });
    const r = await login(h);
    expectOk(r);
    expect(r.stderr).toContain(`removed ${leftover}, a temporary copy left by an interrupted hdoc`);
    expect(readdirSync(h.aws)).toEqual(["credentials"]);
  });

  it("reports a folder where the lock cannot be made as a permission error at once, not as 'locked'", async () => {
    // root ignores permissions: then the login runs as an unprivileged user against root's folder
    const h = home(`[default]\n${KEYS}`);
    const asRoot = process.getuid?.() === 0;
    chmodSync(h.home, 0o755);
    if (asRoot) {
      chmodSync(h.aws, 0o755);
      chownSync(h.credentialsFile, 65534, 65534);
    } else chmodSync(h.aws, 0o555);
    try {
      const r = await execa("node", [HDOC_BIN, "mfa", "login", "--endpoint-url", moto.url, "--token-code", "123456"], { cwd: REPO_ROOT, env: cleanEnv(h.home), extendEnv: false, reject: false, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
      expect(r.stderr).toContain(`error: cannot create the lock file ${h.credentialsFile}.lock: permission denied (EACCES)`);
      expect(r.stderr).not.toContain("waiting for");
      expect(r.stderr).not.toContain("locked");
      expect(r.exitCode).toBe(7);
    } finally {
      chmodSync(h.aws, 0o700);
    }
  });
});
