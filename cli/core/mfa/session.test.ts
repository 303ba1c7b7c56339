import { afterEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient, STSServiceException } from "@aws-sdk/client-sts";
import { login, serialFromArn, sessionsIn, validateTokenCode, type LoginDeps, type LoginInput } from "./session.ts";
import type { UpdateResult } from "./credentials-file.ts";
import { parseProfileFile, setProfile } from "./profile-sections.ts";
import type { StsProfileSettings } from "./source-profile.ts";
import { parseDuration, SESSION_DURATION } from "./duration.ts";
import { stsApi, type StsApi } from "../../aws/sts.ts";
import { HdocError } from "../../errors.ts";

const NOW = new Date("2026-03-01T10:00:00Z");
const HOUR = 3600_000;

interface Fake {
  deps: LoginDeps;
  file: () => string | undefined;
  config: () => string | undefined;
  calls: string[];
  notes: string[];
  warnings: string[];
  secrets: string[];
  prompts: number;
  settings: StsProfileSettings[];
}

const SOURCE = "[default]\naws_access_key_id = AKIASOURCE\naws_secret_access_key = sourceSecret\n";

/** Login's dependencies over in-memory files (`credentials` and `config` are the files' texts). */
function fake(o: { credentials?: string; config?: string; identityArn?: string; interactive?: boolean; promptAnswers?: string[]; sts?: Partial<StsApi>; mode?: number } = {}): Fake {
  let text = o.credentials;
  let config = o.config;
  const answers = [...(o.promptAnswers ?? ["654321"])];
  const f: Fake = { deps: undefined as unknown as LoginDeps, file: () => text, config: () => config, calls: [], notes: [], warnings: [], secrets: [], prompts: 0, settings: [] };
  const sts: StsApi = {
    async getCallerIdentity() {
      f.calls.push("GetCallerIdentity");
      const arn = o.identityArn ?? "arn:aws:iam::111122223333:user/ops/alice";
      return { arn, account: "111122223333", userId: "AIDA" };
    },
    async getSessionToken(input) {
      f.calls.push(`GetSessionToken ${input.serialNumber} ${input.tokenCode} ${input.durationSeconds}`);
      return { accessKeyId: "ASIASESSIONKEY", secretAccessKey: "sessionSecret", sessionToken: "sessionToken", expiration: new Date(NOW.getTime() + input.durationSeconds * 1000) };
    },
    ...o.sts,
  };
  const result = (created: boolean, changed: boolean): UpdateResult => ({ realPath: "/home/u/.aws/x", created, changed, mode: o.mode ?? 0o600, removedLeftovers: [] });
  f.deps = {
    now: () => NOW,
    files: {
      credentialsPath: "/home/u/.aws/credentials",
      configPath: "/home/u/.aws/config",
      readCredentials: async () => (text === undefined ? undefined : Buffer.from(text)),
      readConfig: async () => (config === undefined ? undefined : Buffer.from(config)),
      updateCredentials: async (edit) => {
        f.calls.push("write");
        const before = text;
        text = edit(Buffer.from(text ?? "")).toString();
        return { ...result(before === undefined, text !== before), realPath: "/home/u/.aws/credentials" };
      },
      updateConfig: async (edit) => {
        f.calls.push("write config");
        const before = config;
        config = edit(Buffer.from(config ?? "")).toString();
        return { ...result(before === undefined, config !== before), realPath: "/home/u/.aws/config" };
      },
    },
    sts: (c, settings) => {
      f.calls.push(`sts as ${c.accessKeyId}`);
      f.settings.push(settings);
      return sts;
    },
    interactive: o.interactive ?? false,
    promptTokenCode: async (validate) => {
      f.prompts++;
      const answer = answers.shift() ?? "654321";
      expect(validate(answer)).toBe(true);
      return answer;
    },
    secret: (s) => f.secrets.push(s),
    note: (l) => f.notes.push(l),
    warn: (l) => f.warnings.push(l),
    detail: () => undefined,
  };
  return f;
}

const mfaProfile = (f: Fake) => parseProfileFile(f.file() ?? "").profiles.get("mfa");
const input = (o: Partial<LoginInput> = {}): LoginInput => ({
  source: { value: "default", source: "default" },
  target: { value: "mfa", source: "default" },
  tokenCode: "123456",
  durationSeconds: 43200,
  minRemainingSeconds: 900,
  force: false,
  ...o,
});
const session = (expiresInMs: number, extra = "") =>
  `[default]\naws_access_key_id = AKIASOURCE\naws_secret_access_key = sourceSecret\n\n[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = oldToken\nhdoc_expiration = ${new Date(NOW.getTime() + expiresInMs).toISOString()}\n${extra}`;

describe("login", () => {
  it("derives the serial from an IAM user ARN with a path, gets a session and writes it to the target profile", async () => {
    const f = fake({ credentials: "# keys\n[default]\naws_access_key_id = AKIASOURCE\naws_secret_access_key = sourceSecret\n" });
    const r = await login(input(), f.deps);
    expect(f.calls).toEqual(["sts as AKIASOURCE", "GetCallerIdentity", "GetSessionToken arn:aws:iam::111122223333:mfa/alice 123456 43200", "write"]);
    expect(r).toMatchObject({ profile: "mfa", renewed: true, account: "111122223333", serialNumber: "arn:aws:iam::111122223333:mfa/alice", sourceProfile: "default" });
    expect(r.expiration.toISOString()).toBe("2026-03-01T22:00:00.000Z");
    expect(f.notes).toContain("MFA device: arn:aws:iam::111122223333:mfa/alice (derived from the caller identity arn:aws:iam::111122223333:user/ops/alice)");
    const written = mfaProfile(f);
    expect(written).toMatchObject({ aws_access_key_id: "ASIASESSIONKEY", aws_secret_access_key: "sessionSecret", aws_session_token: "sessionToken", hdoc_expiration: "2026-03-01T22:00:00.000Z", hdoc_source_profile: "default" });
    expect(f.file()!.startsWith("# keys\n[default]\naws_access_key_id = AKIASOURCE\naws_secret_access_key = sourceSecret\n")).toBe(true);
    expect(f.secrets).toEqual(expect.arrayContaining(["AKIASOURCE", "sourceSecret", "ASIASESSIONKEY", "sessionSecret", "sessionToken"]));
  });

  it.each([
    ["--serial-number first", { serialNumber: "arn:aws:iam::111122223333:mfa/flag" }, "[default]\nmfa_serial = arn:aws:iam::111122223333:mfa/config\n", "arn:aws:iam::111122223333:mfa/flag", "(--serial-number)"],
    ["then mfa_serial of the source profile in the config file", {}, "[default]\nmfa_serial = arn:aws:iam::111122223333:mfa/config\n", "arn:aws:iam::111122223333:mfa/config", "(mfa_serial of profile 'default' in /home/u/.aws/config)"],
    ["then the caller identity", {}, "", "arn:aws:iam::111122223333:mfa/alice", "(derived from the caller identity"],
  ])("picks the MFA device: %s, and says which", async (_n, extra, config, serial, said) => {
    const f = fake({ config, credentials: SOURCE });
    const r = await login(input(extra), f.deps);
    expect(r.serialNumber).toBe(serial);
    expect(f.calls).toContain(`GetSessionToken ${serial} 123456 43200`);
    expect(f.notes.find((n) => n.startsWith("MFA device:"))).toContain(said);
  });

  it("derives the serial from moto's sts-style user ARN too", () => {
    expect(serialFromArn("arn:aws:sts::123456789012:user/moto")).toBe("arn:aws:iam::123456789012:mfa/moto");
    expect(serialFromArn("arn:aws-us-gov:iam::123456789012:user/a/b/carol")).toBe("arn:aws-us-gov:iam::123456789012:mfa/carol");
    expect(serialFromArn("arn:aws:iam::123456789012:root")).toBeUndefined();
    expect(serialFromArn("arn:aws:sts::123456789012:assumed-role/Admin/alice")).toBeUndefined();
  });

  it("asks for a --serial-number when the caller is not an IAM user", async () => {
    const f = fake({ credentials: SOURCE, identityArn: "arn:aws:sts::111122223333:assumed-role/Admin/alice" });
    await expect(login(input(), f.deps)).rejects.toMatchObject({ code: "USAGE", hint: expect.stringContaining("--serial-number") });
    expect(f.calls).not.toContain("write");
  });

  it("refuses a target that is the source profile, before any call", async () => {
    const f = fake({ credentials: SOURCE });
    const err = await login(input({ target: { value: "default", source: "flag" } }), f.deps).catch((e: HdocError) => e);
    expect(err).toMatchObject({ code: "USAGE", message: expect.stringContaining("would overwrite its long-term keys") });
    expect(f.calls).toEqual([]);
  });

  it("refuses to overwrite a target profile holding long-term keys", async () => {
    const f = fake({ credentials: "[default]\naws_access_key_id = AKIASOURCE\naws_secret_access_key = s\n[mfa]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = t\n" });
    await expect(login(input(), f.deps)).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("holds long-term access keys") });
    expect(f.calls).toEqual([]);
  });

  it("keeps a session with more than --min-remaining left, without prompting or calling STS", async () => {
    const f = fake({ credentials: session(2 * HOUR), interactive: true });
    const r = await login(input({ tokenCode: undefined }), f.deps);
    expect(r).toMatchObject({ renewed: false, profile: "mfa" });
    expect(r.expiration.getTime()).toBe(NOW.getTime() + 2 * HOUR);
    expect(f.calls).toEqual([]);
    expect(f.prompts).toBe(0);
  });

  it.each([
    ["--force is given", session(2 * HOUR), { force: true }],
    ["less than --min-remaining is left", session(10 * 60_000), {}],
    ["it has expired", session(-HOUR), {}],
    ["it came from another source profile", session(2 * HOUR, "hdoc_source_profile = work\n"), {}],
  ])("renews the session when %s", async (_n, credentials, extra) => {
    const f = fake({ credentials });
    const r = await login(input(extra), f.deps);
    expect(r.renewed).toBe(true);
    expect(f.calls).toContain("write");
    expect(mfaProfile(f)?.aws_session_token).toBe("sessionToken");
  });

  it("prompts for the code when interactive, and validates it as 6 digits", async () => {
    const f = fake({ credentials: SOURCE, interactive: true, promptAnswers: ["000111"] });
    await login(input({ tokenCode: undefined }), f.deps);
    expect(f.prompts).toBe(1);
    expect(f.calls).toContain("GetSessionToken arn:aws:iam::111122223333:mfa/alice 000111 43200");
    expect(validateTokenCode("12345")).toMatch(/6 digits/);
    expect(validateTokenCode("1234567")).toMatch(/6 digits/);
    expect(validateTokenCode("12a456")).toMatch(/6 digits/);
    expect(validateTokenCode("123456")).toBe(true);
  });

  it("fails with a usage error, not a hang, when not interactive and no --token-code", async () => {
    const f = fake({ credentials: SOURCE, interactive: false });
    await expect(login(input({ tokenCode: undefined }), f.deps)).rejects.toMatchObject({ code: "USAGE", hint: expect.stringContaining("--token-code") });
    expect(f.prompts).toBe(0);
    expect(f.calls).toEqual([]);
  });

  it.each(["12345", "1234567", "abcdef", ""])("rejects --token-code %j as not 6 digits", async (code) => {
    const f = fake({ credentials: SOURCE });
    await expect(login(input({ tokenCode: code }), f.deps)).rejects.toMatchObject({ code: "USAGE", message: "--token-code must be exactly 6 digits" });
    expect(f.calls).toEqual([]);
  });

  it("names the profiles that exist when the source profile is unknown", async () => {
    const f = fake({ credentials: `[work]\naws_access_key_id = a\naws_secret_access_key = b\n[mfa]\naws_access_key_id = ASIA1\naws_secret_access_key = s\naws_session_token = t\nhdoc_expiration = ${new Date(NOW.getTime() + HOUR).toISOString()}\nhdoc_source_profile = work\n`, config: "[profile dev]\nregion = x\n" });
    const err = await login(input({ source: { value: "alice", source: "flag" } }), f.deps).catch((e: HdocError) => e);
    // the session profile 'mfa' is no source, so it is not offered; nothing about renewing is said first
    expect(err).toMatchObject({ code: "AUTH", message: "unknown source profile 'alice' (--source-profile): the profiles that exist are dev, work" });
    expect(f.notes).toEqual([]);
    expect(f.calls).toEqual([]);
  });

  it("says when the source profile has no long-term keys", async () => {
    const f = fake({ config: "[default]\nregion = us-east-1\nsso_start_url = https://x\n" });
    await expect(login(input(), f.deps)).rejects.toMatchObject({ code: "AUTH", message: "source profile 'default' has no aws_access_key_id and aws_secret_access_key" });
  });

  it("leaves the file alone when STS rejects the code", async () => {
    const before = "[default]\naws_access_key_id = AKIASOURCE\naws_secret_access_key = sourceSecret\n";
    const f = fake({ credentials: before, sts: { getSessionToken: async () => { throw new HdocError("AUTH", "STS rejected the MFA code"); } } });
    await expect(login(input(), f.deps)).rejects.toThrow("STS rejected the MFA code");
    expect(f.file()).toBe(before);
    expect(f.calls).not.toContain("write");
  });
});

describe("login at the edges (issue 11)", () => {
  const rejected = () => Object.assign(new HdocError("AUTH", "STS rejected the MFA code"), { mfaCodeRejected: true });

  it("asks again in a terminal when STS rejects the code, up to 3 tries, saying why", async () => {
    let tries = 0;
    const f = fake({ credentials: SOURCE, interactive: true, promptAnswers: ["111111", "222 222", "333333"], sts: { getSessionToken: async ({ tokenCode }) => { f.calls.push(`code ${tokenCode}`); if (++tries < 3) throw rejected(); return { accessKeyId: "ASIA2", secretAccessKey: "s2", sessionToken: "t2", expiration: new Date(NOW.getTime() + HOUR) }; } } });
    const r = await login(input({ tokenCode: undefined }), f.deps);
    expect(r.renewed).toBe(true);
    expect(f.calls.filter((c) => c.startsWith("code "))).toEqual(["code 111111", "code 222222", "code 333333"]);
    expect(f.notes.filter((n) => n.startsWith("code rejected"))).toEqual(["code rejected; wait for the next code (try 2 of 3)", "code rejected; wait for the next code (try 3 of 3)"]);
  });

  it("gives up after the third rejected code, file untouched", async () => {
    const f = fake({ credentials: SOURCE, interactive: true, promptAnswers: ["111111", "222222", "333333", "444444"], sts: { getSessionToken: async () => { throw rejected(); } } });
    await expect(login(input({ tokenCode: undefined }), f.deps)).rejects.toThrow("STS rejected the MFA code");
    expect(f.prompts).toBe(3);
    expect(f.file()).toBe(SOURCE);
  });

  it("fails at once on a rejected code when not interactive", async () => {
    const f = fake({ credentials: SOURCE, sts: { getSessionToken: async () => { throw rejected(); } } });
    await expect(login(input(), f.deps)).rejects.toThrow("STS rejected the MFA code");
    expect(f.prompts).toBe(0);
  });

  it("accepts a code with spaces, as authenticator apps show it", async () => {
    const f = fake({ credentials: SOURCE });
    await login(input({ tokenCode: "123 456" }), f.deps);
    expect(f.calls).toContain("GetSessionToken arn:aws:iam::111122223333:mfa/alice 123456 43200");
  });

  it("reads upper-case key names of the source profile, as the AWS CLI does", async () => {
    const f = fake({ credentials: "[src]\nAWS_ACCESS_KEY_ID = AKIAUPPER\nAWS_SECRET_ACCESS_KEY = upperSecret\n" });
    await login(input({ source: { value: "src", source: "flag" } }), f.deps);
    expect(f.calls[0]).toBe("sts as AKIAUPPER");
  });

  it("configures the source profile's STS client from that profile alone, nothing of [default]", async () => {
    const f = fake({ credentials: `${SOURCE}[src]\naws_access_key_id = AKIASRC\naws_secret_access_key = s\n`, config: "[default]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\nregion = us-gov-west-1\nendpoint_url = https://default.example\n[profile src]\nregion = eu-west-1\n" });
    await login(input({ source: { value: "src", source: "flag" } }), f.deps);
    expect(f.settings).toEqual([{ profile: "src", region: "eu-west-1", useFipsEndpoint: false, useDualstackEndpoint: false }]);
  });

  it("writes the source profile's region into [profile <target>] of the config file when the target has none, and says so", async () => {
    const config = "# mine\n[default]\nregion = eu-central-1\n";
    const f = fake({ credentials: SOURCE, config });
    const r = await login(input(), f.deps);
    expect(f.config()).toBe(`${config}\n[profile mfa]\nregion = eu-central-1\n`);
    expect(r.region).toBe("eu-central-1");
    expect(f.notes).toContain("set region eu-central-1 for profile 'mfa' in /home/u/.aws/config (from source profile 'default')");
    // a target with its own region keeps it
    const g = fake({ credentials: SOURCE, config: "[default]\nregion = eu-central-1\n[profile mfa]\nregion = ap-south-1\n" });
    expect((await login(input(), g.deps)).region).toBe("ap-south-1");
    expect(g.calls).not.toContain("write config");
  });

  it("warns about a credentials file others can read, with the fix", async () => {
    const f = fake({ credentials: SOURCE, mode: 0o644 });
    await login(input(), f.deps);
    expect(f.warnings).toEqual(["/home/u/.aws/credentials can be read by others (mode 0644) and now holds a session token; fix it with: chmod 600 /home/u/.aws/credentials"]);
  });

  it("with write: false returns the new session and writes nothing", async () => {
    const f = fake({ credentials: SOURCE, config: "[default]\nregion = eu-west-2\n" });
    const r = await login(input({ write: false }), f.deps);
    expect(r).toMatchObject({ renewed: true, written: false, region: "eu-west-2", credentials: { accessKeyId: "ASIASESSIONKEY", secretAccessKey: "sessionSecret", sessionToken: "sessionToken" } });
    expect(f.calls.filter((c) => c.startsWith("write"))).toEqual([]);
  });

  it("returns a kept session's keys (for mfa exec), registered as secrets", async () => {
    const f = fake({ credentials: session(2 * HOUR) });
    const r = await login(input({ tokenCode: undefined }), f.deps);
    expect(r.credentials).toEqual({ accessKeyId: "ASIAOLD", secretAccessKey: "old", sessionToken: "oldToken" });
    expect(f.secrets).toEqual(expect.arrayContaining(["ASIAOLD", "old", "oldToken"]));
  });
});

describe("sessionsIn", () => {
  it("lists the profiles carrying hdoc's expiry as valid or expired", () => {
    let text: Buffer = Buffer.from("[default]\naws_access_key_id = a\naws_secret_access_key = b\n");
    const keys = (exp: Date): Array<[string, string]> => [["aws_access_key_id", "x"], ["aws_secret_access_key", "y"], ["aws_session_token", "z"], ["hdoc_expiration", exp.toISOString()]];
    text = setProfile(text, "mfa", keys(new Date(NOW.getTime() + HOUR)));
    text = setProfile(text, "old", keys(new Date(NOW.getTime() - HOUR)));
    text = setProfile(text, "broken", [["hdoc_expiration", new Date(NOW.getTime() + HOUR).toISOString()]]);
    expect(sessionsIn(text, NOW).map((s) => [s.profile, s.valid, s.secondsLeft])).toEqual([
      ["mfa", true, 3600],
      ["old", false, 0],
      ["broken", false, 3600],
    ]);
  });
});

describe("parseDuration", () => {
  const rule = { flag: "--duration", ...SESSION_DURATION };
  it.each([["43200", 43200], ["12h", 43200], ["90m", 5400], ["1h30m", 5400], ["900", 900], ["900s", 900], ["36h", 129600]])("reads %s as %i seconds", (text, seconds) => {
    expect(parseDuration(text, rule)).toBe(seconds);
  });
  it.each([["899", "out of range"], ["37h", "out of range"], ["12x", "not a duration"], ["30m1h", "not a duration"], ["", "not a duration"], ["-5", "not a duration"]])("rejects %j (%s)", (text, why) => {
    expect(() => parseDuration(text, rule)).toThrow(why);
  });
});

describe("the STS adapter", () => {
  const sts = mockClient(STSClient);
  afterEach(() => sts.reset());
  const api = () => stsApi({ region: "us-east-1", credentials: { accessKeyId: "AKIASOURCE", secretAccessKey: "s" }, customUserAgent: "hdoc/test", maxAttempts: 1 }, { credentialsLabel: "source profile 'default'" });
  const stsErr = (name: string, message: string) => new STSServiceException({ name, message, $fault: "client", $metadata: { httpStatusCode: 403 } });

  it("sends GetSessionToken's serial, code and duration and returns the credentials", async () => {
    sts.on(GetSessionTokenCommand).resolves({ Credentials: { AccessKeyId: "ASIA1", SecretAccessKey: "s1", SessionToken: "t1", Expiration: new Date("2026-03-01T22:00:00Z") } });
    const r = await api().getSessionToken({ serialNumber: "arn:aws:iam::1:mfa/a", tokenCode: "123456", durationSeconds: 3600 });
    expect(r).toEqual({ accessKeyId: "ASIA1", secretAccessKey: "s1", sessionToken: "t1", expiration: new Date("2026-03-01T22:00:00Z") });
    expect(sts.commandCalls(GetSessionTokenCommand)[0]!.args[0].input).toEqual({ SerialNumber: "arn:aws:iam::1:mfa/a", TokenCode: "123456", DurationSeconds: 3600 });
  });

  it.each([
    ["AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ", "AUTH", /rejected the MFA code/, /wait for the next code/],
    ["InvalidClientTokenId", "The security token included in the request is invalid.", "AUTH", /access keys of source profile 'default'.*invalid or deactivated/, /aws_access_key_id/],
    ["ExpiredToken", "The security token included in the request is expired", "AUTH", /credentials of source profile 'default' have expired/, /long-term access keys/],
    ["AccessDenied", "User is not authorized to perform sts:GetSessionToken", "AWS", /access denied: sts:GetSessionToken/, /grant/],
  ])("maps %s (%s) to a clear error", async (name, message, code, text, hint) => {
    sts.on(GetSessionTokenCommand).rejects(stsErr(name, message));
    const err = await api().getSessionToken({ serialNumber: "arn:aws:iam::1:mfa/a", tokenCode: "123456", durationSeconds: 3600 }).catch((e: HdocError) => e);
    expect(err).toBeInstanceOf(HdocError);
    expect(err).toMatchObject({ code, message: expect.stringMatching(text), hint: expect.stringMatching(hint) });
  });

  it("returns the caller identity", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/alice", UserId: "AIDA" });
    expect(await api().getCallerIdentity()).toEqual({ account: "111122223333", arn: "arn:aws:iam::111122223333:user/alice", userId: "AIDA" });
  });
});
