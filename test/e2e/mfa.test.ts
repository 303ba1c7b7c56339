/**
 * `hdoc mfa login` and `hdoc mfa status` end to end: the built binary, a temporary HOME, moto for the
 * happy paths and the AWS CLI reading what hdoc wrote, a loopback STS speaking STS's real error
 * documents for the failures moto cannot produce.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { awsHomes, cleanEnv, runHdoc, runHdocInTerminal, type HdocResult, type TempHome } from "../helpers/hdoc.ts";
import { startMoto, type Moto } from "../helpers/moto.ts";
import { freePort } from "../helpers/net.ts";
import { callerIdentity, sessionToken, startStsEndpoint, STS_ERRORS, type StsEndpoint } from "../helpers/sts-endpoint.ts";

// moto's GetSessionToken always returns these; none may ever be printed.
const MOTO_KEY = "AKIAIOSFODNN7EXAMPLE";
const MOTO_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
const MOTO_TOKEN_PART = "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT";
const SOURCE_KEY = "AKIDSOURCEE2EKEY0001";
const SOURCE_SECRET = "sourceSecretE2E/abc+def0123456789";
const SECRETS = [MOTO_KEY, MOTO_SECRET, MOTO_TOKEN_PART, SOURCE_KEY, SOURCE_SECRET, "fakeSessionSecret0123", "fakeSessionTokenXYZ0123"];

const CRLF_FILE =
  "# long-term keys: do not share\r\n[default]\r\naws_access_key_id = " + SOURCE_KEY + "\r\naws_secret_access_key = " + SOURCE_SECRET + "\r\n\r\n; the work account\r\n[work]\r\nregion=eu-west-1\r\n";

function expectNoSecrets(r: HdocResult | { output: string }) {
  const all = "output" in r ? r.output : r.stdout + r.stderr;
  for (const s of SECRETS) expect(all).not.toContain(s);
}

let moto: Moto;
const homes = awsHomes();
const home = (credentials: string | undefined = CRLF_FILE, config?: string): TempHome => homes.home(credentials, config);

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
  homes.cleanupAll();
});

const login = (h: TempHome, args: string[], env?: Record<string, string>) => runHdoc(["mfa", "login", "--endpoint-url", moto.url, ...args], { home: h.home, env });
const profileIn = (text: string, name: string): Record<string, string> => {
  const m = new RegExp(`\\[${name}\\]\\r?\\n((?:[^[].*\\r?\\n?)*)`).exec(text);
  return Object.fromEntries([...(m?.[1] ?? "").matchAll(/^(\w+) = (.*?)\r?$/gm)].map((x) => [x[1]!, x[2]!]));
};

describe("hdoc mfa login against moto", () => {
  it("writes the session into [mfa] surgically, and the AWS CLI reads and uses it", async () => {
    const h = home();
    const r = await login(h, ["--token-code", "123456", "--verbose"]);
    expect(r.stderr).not.toContain("error:");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^MFA session 'mfa' valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC \((11h 59m|12h 0m) left\)$/);
    expect(r.stderr).toContain("MFA device: arn:aws:iam::123456789012:mfa/moto (derived from the caller identity arn:aws:sts::123456789012:user/moto)");
    expectNoSecrets(r);

    const text = readFileSync(h.credentialsFile, "utf8");
    expect(text.startsWith(CRLF_FILE + "\r\n[mfa]\r\n")).toBe(true);
    expect(text.slice(CRLF_FILE.length)).not.toMatch(/[^\r]\n/);
    const mfa = profileIn(text, "mfa");
    expect(mfa).toMatchObject({ aws_access_key_id: MOTO_KEY, aws_secret_access_key: MOTO_SECRET, hdoc_source_profile: "default", hdoc_mfa_serial: "arn:aws:iam::123456789012:mfa/moto" });
    expect(mfa.aws_session_token).toContain(MOTO_TOKEN_PART);
    expect(Date.parse(mfa.hdoc_expiration!) - Date.now()).toBeGreaterThan(11 * 3600_000);
    expect(statSync(h.credentialsFile).mode & 0o777).toBe(0o600);

    const aws = (args: string[]) => execa("aws", args, { env: cleanEnv(h.home), extendEnv: false, reject: false });
    const got = await aws(["configure", "get", "aws_session_token", "--profile", "mfa"]);
    expect(got.exitCode).toBe(0);
    expect(got.stdout.trim()).toBe(mfa.aws_session_token);
    const who = await aws(["sts", "get-caller-identity", "--profile", "mfa", "--endpoint-url", moto.url, "--region", "us-east-1"]);
    expect(who.stderr).toBe("");
    expect(JSON.parse(who.stdout)).toMatchObject({ Account: "123456789012" });

    // A second run keeps the valid session: no code needed, nothing rewritten.
    const again = await login(h, []);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^MFA session 'mfa' valid until .* left\)$/);
    expect(again.stderr).toContain("kept the current session");
    expect(readFileSync(h.credentialsFile, "utf8")).toBe(text);
  });

  it("--json prints profile, expiry, account and serial, and no secrets", async () => {
    const h = home();
    const r = await login(h, ["--token-code", "123456", "--json", "--duration", "90m", "--target-profile", "mfa-json", "--verbose"]);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ profile: "mfa-json", account: "123456789012", serial: "arn:aws:iam::123456789012:mfa/moto", renewed: true });
    expect(Date.parse(doc.expiry) - Date.now()).toBeLessThanOrEqual(90 * 60_000);
    expect(Date.parse(doc.expiry) - Date.now()).toBeGreaterThan(80 * 60_000);
    expectNoSecrets(r);
  });

  it("creates AWS_SHARED_CREDENTIALS_FILE with mode 0600 in a new 0700 folder, keys read from the config file", async () => {
    const h = home(undefined, `[default]\naws_access_key_id = ${SOURCE_KEY}\naws_secret_access_key = ${SOURCE_SECRET}\n`);
    const file = path.join(h.home, "secure", "aws", "credentials");
    const r = await login(h, ["--token-code", "123456"], { AWS_SHARED_CREDENTIALS_FILE: file });
    expect(r.exitCode).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).toMatch(/^\[mfa\]\naws_access_key_id = /);
    expectNoSecrets(r);
  });

  it("two logins at once both land in the file", async () => {
    const h = home();
    const [a, b] = await Promise.all([login(h, ["--token-code", "123456", "--target-profile", "mfa-a"]), login(h, ["--token-code", "123456", "--target-profile", "mfa-b"])]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const text = readFileSync(h.credentialsFile, "utf8");
    expect(text.startsWith(CRLF_FILE)).toBe(true);
    expect(profileIn(text, "mfa-a").aws_access_key_id).toBe(MOTO_KEY);
    expect(profileIn(text, "mfa-b").aws_access_key_id).toBe(MOTO_KEY);
  });
});

describe("hdoc mfa login failures (file untouched, one clear line, documented exit code)", () => {
  let sts: StsEndpoint;
  beforeAll(async () => {
    sts = await startStsEndpoint();
  });
  afterAll(() => sts?.close());

  it("passes the device derived from a real IAM user ARN and the duration to STS", async () => {
    sts.set("GetCallerIdentity", callerIdentity("arn:aws:iam::111122223333:user/ops/alice", "111122223333"));
    sts.set("GetSessionToken", sessionToken({ accessKeyId: "ASIAFAKESESSION0001", secretAccessKey: "fakeSessionSecret0123", sessionToken: "fakeSessionTokenXYZ0123", expiration: new Date(Date.now() + 5400_000) }));
    const h = home();
    const r = await runHdoc(["mfa", "login", "--endpoint-url", sts.url, "--token-code", "123456", "--duration", "90m", "--verbose"], { home: h.home });
    expect(r.exitCode).toBe(0);
    const req = sts.requests.filter((q) => q.action === "GetSessionToken").at(-1)!;
    expect(req.params).toMatchObject({ SerialNumber: "arn:aws:iam::111122223333:mfa/alice", TokenCode: "123456", DurationSeconds: "5400" });
    expect(req.authorization).toContain(`Credential=${SOURCE_KEY}/`);
    expect(r.stdout).toMatch(/\((1h 29m|1h 30m) left\)/);
    expectNoSecrets(r);
  });

  it("uses mfa_serial from the source profile in the AWS config file, and says so", async () => {
    sts.set("GetCallerIdentity", callerIdentity("arn:aws:iam::111122223333:user/alice", "111122223333"));
    sts.set("GetSessionToken", sessionToken({ accessKeyId: "ASIAFAKESESSION0001", secretAccessKey: "fakeSessionSecret0123", sessionToken: "fakeSessionTokenXYZ0123", expiration: new Date(Date.now() + 43200_000) }));
    const h = home(CRLF_FILE, "[profile work]\nregion = eu-west-1\n[default]\nmfa_serial = arn:aws:iam::111122223333:mfa/alice-phone\n");
    const r = await runHdoc(["mfa", "login", "--endpoint-url", sts.url, "--token-code", "123456"], { home: h.home });
    expect(r.exitCode).toBe(0);
    expect(sts.requests.filter((q) => q.action === "GetSessionToken").at(-1)!.params.SerialNumber).toBe("arn:aws:iam::111122223333:mfa/alice-phone");
    expect(r.stderr).toContain(`(mfa_serial of profile 'default' in ${h.configFile})`);
  });

  const stsFailures: Array<[string, () => Promise<{ url: string; close?: () => Promise<void> }>, number, RegExp]> = [
    [
      "STS rejects the MFA code",
      async () => {
        const s = await startStsEndpoint();
        s.set("GetCallerIdentity", callerIdentity("arn:aws:iam::111122223333:user/alice", "111122223333"));
        s.set("GetSessionToken", STS_ERRORS.mfaCodeRejected());
        return s;
      },
      3,
      /error: STS rejected the MFA code.*\nhint: wait for the next code/,
    ],
    [
      "the long-term keys are invalid",
      async () => {
        const s = await startStsEndpoint();
        s.set("GetCallerIdentity", STS_ERRORS.invalidKeys());
        return s;
      },
      3,
      /error: AWS rejected the access keys of source profile 'default' \(InvalidClientTokenId\)/,
    ],
    [
      "the source credentials have expired",
      async () => {
        const s = await startStsEndpoint();
        s.set("GetCallerIdentity", STS_ERRORS.expiredToken());
        return s;
      },
      3,
      /error: the credentials of source profile 'default' have expired/,
    ],
    ["the endpoint is unreachable", async () => ({ url: `http://127.0.0.1:${await freePort()}` }), 5, /error: cannot reach the AWS endpoint at http:\/\/127\.0\.0\.1:\d+ for sts:GetCallerIdentity/],
  ];

  it.concurrent.each(stsFailures)("when %s", async (_name, endpoint, code, message) => {
    const e = await endpoint();
    try {
      const h = home();
      const r = await runHdoc(["mfa", "login", "--endpoint-url", e.url, "--token-code", "123456", "--verbose"], { home: h.home });
      expect(r.stderr).toMatch(message);
      expect(r.exitCode).toBe(code);
      expect(readFileSync(h.credentialsFile, "utf8")).toBe(CRLF_FILE);
      expectNoSecrets(r);
    } finally {
      await e.close?.();
    }
  });

  const usage: Array<[string, string[], string | undefined, number, RegExp]> = [
    ["the target is the source profile", ["--target-profile", "default", "--token-code", "123456"], CRLF_FILE, 2, /error: the target profile 'default' \(--target-profile\) is the source profile .*would overwrite its long-term keys/],
    ["the code is not 6 digits", ["--token-code", "12345"], CRLF_FILE, 2, /error: --token-code must be exactly 6 digits/],
    ["no code and no terminal", [], CRLF_FILE, 2, /error: no --token-code given, and this is not an interactive terminal.*\nhint: .*--token-code/],
    ["the duration is out of range", ["--duration", "5m", "--token-code", "123456"], CRLF_FILE, 2, /error: --duration 5m is out of range: it must be from 15m \(900\) to 36h \(129600\)/],
    ["the source profile is unknown", ["--source-profile", "alice", "--token-code", "123456"], CRLF_FILE, 3, /error: unknown source profile 'alice' \(--source-profile\): the profiles that exist are default, work/],
    ["the source profile has no keys", ["--source-profile", "work", "--token-code", "123456"], CRLF_FILE, 3, /error: source profile 'work' has no aws_access_key_id and aws_secret_access_key/],
    ["--profile is given instead of --source-profile", ["--profile", "default", "--token-code", "123456"], CRLF_FILE, 2, /error: hdoc mfa login does not take --profile\nhint: use --source-profile/],
  ];

  it.concurrent.each(usage)("when %s", async (_name, args, file, code, message) => {
    const h = home(file);
    const r = await runHdoc(["mfa", "login", "--endpoint-url", "http://127.0.0.1:9", ...args], { home: h.home });
    expect(r.stderr).toMatch(message);
    expect(r.exitCode).toBe(code);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(h.credentialsFile, "utf8")).toBe(file);
    expectNoSecrets(r);
  });
});

describe("hdoc mfa login in a terminal", () => {
  it("asks for the code until it is 6 digits", async () => {
    const h = home();
    const r = await runHdocInTerminal(["mfa", "login", "--endpoint-url", moto.url], {
      home: h.home,
      keys: [
        { after: "MFA code", send: "12345\r" },
        { after: "exactly 6 digits", send: "6\r" },
      ],
      timeoutMs: 20_000,
    });
    expect(r.output).toContain("the MFA code is exactly 6 digits");
    expect(r.output).toContain("MFA session 'mfa' valid until");
    expect(r.exitCode).toBe(0);
    expectNoSecrets(r);
  });

  it("exits 130 on Ctrl-C at the prompt, file untouched", async () => {
    const h = home();
    const r = await runHdocInTerminal(["mfa", "login", "--endpoint-url", moto.url], { home: h.home, keys: [{ after: "MFA code", send: "\u0003" }], timeoutMs: 20_000 });
    expect(r.exitCode).toBe(130);
    expect(readFileSync(h.credentialsFile, "utf8")).toBe(CRLF_FILE);
  });
});

describe("hdoc mfa status", () => {
  const withSessions = () => {
    const h = home();
    const expiry = (ms: number) => new Date(Date.now() + ms).toISOString();
    const keys = `aws_access_key_id = ASIAFAKESESSION0001\naws_secret_access_key = fakeSessionSecret0123\naws_session_token = fakeSessionTokenXYZ0123\n`;
    writeFileSync(h.credentialsFile, `${CRLF_FILE}\n[mfa]\n${keys}hdoc_expiration = ${expiry(3 * 3600_000 + 90_000)}\nhdoc_source_profile = default\n\n[mfa-old]\n${keys}hdoc_expiration = ${expiry(-3600_000)}\n`);
    return h;
  };

  it("lists the sessions with time left or expired, exit 0 when the selected one is valid", async () => {
    const h = withSessions();
    const r = await runHdoc(["mfa", "status"], { home: h.home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^PROFILE\s+STATUS\s+EXPIRES\s+SOURCE PROFILE\n-+.*\nmfa \*\s+3h 1m left\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+default\nmfa-old\s+expired\s+\S+ \S+ UTC$/);
    expectNoSecrets(r);
  });

  it("exits 9 when the selected session has expired or is missing", async () => {
    const h = withSessions();
    const expired = await runHdoc(["mfa", "status", "--target-profile", "mfa-old"], { home: h.home });
    expect(expired.exitCode).toBe(9);
    expect(expired.stderr).toContain("error: the MFA session in profile 'mfa-old' has expired\nhint: run `hdoc mfa login --target-profile mfa-old`");
    const missing = await runHdoc(["mfa", "status"], { home: h.home, env: { HDOC_TARGET_PROFILE: "nope" } });
    expect(missing.exitCode).toBe(9);
    expect(missing.stderr).toContain("error: no MFA session in profile 'nope'\nhint: run `hdoc mfa login --target-profile nope`");
    const none = await runHdoc(["mfa", "status"], { home: home(undefined).home });
    expect(none.exitCode).toBe(9);
    expect(none.stdout).toMatch(/^no MFA sessions written by hdoc in /);
  });

  it("--json prints one document without secrets", async () => {
    const h = withSessions();
    const r = await runHdoc(["mfa", "status", "--json", "--target-profile", "mfa-old"], { home: h.home });
    expect(r.exitCode).toBe(9);
    const doc = JSON.parse(r.stdout);
    expect(doc.selected).toMatchObject({ profile: "mfa-old", valid: false });
    expect(doc.profiles.map((p: { profile: string; valid: boolean }) => [p.profile, p.valid])).toEqual([["mfa", true], ["mfa-old", false]]);
    expectNoSecrets(r);
  });
});

