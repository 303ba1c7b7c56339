import { describe, expect, it, vi } from "vitest";
import type { ImportSourceCredentialsInput, SourceCredentialsInfo } from "@aws-sdk/client-codebuild";
import type { CodeBuildSourceCredentialsApi } from "../../aws/codebuild.ts";
import { HdocError } from "../../errors.ts";
import { credentialsText } from "../../commands/codebuild/credentials-table.ts";
import { recordingIo } from "../../../test/helpers/io.ts";
import { parseAuthType, parseServerType, resetCredentials, retryCommand, type ResetInput } from "./source-credentials.ts";
import { chooseTokenSource, type TokenSource } from "./token.ts";

const TOKEN = "tok-unit-9f8e7d6c5b4a";
const ARN = "arn:aws:codebuild:us-east-1:123456789012:token/github";
const CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/3b6f2d0e-7a41-4c9b-a8e5-1f0c2d9e6b71";
const viaConnection = { authType: "CODECONNECTIONS", connectionArn: CONNECTION, about: "hdoc-github, AVAILABLE", explicit: true } as const;

/** In-memory CodeBuild: one credential per server type, errors as the adapter would throw them. */
function fakeCodeBuild(stored: Array<{ serverType: string; authType?: string; resource?: string }> = []) {
  const state = new Map<string, SourceCredentialsInfo>(stored.map((c) => [c.serverType, { arn: `arn:aws:codebuild:us-east-1:123456789012:token/${c.serverType.toLowerCase()}`, serverType: c.serverType as "GITHUB", authType: (c.authType ?? "PERSONAL_ACCESS_TOKEN") as "OAUTH", ...(c.resource ? { resource: c.resource } : {}) }]));
  const calls: string[] = [];
  const imports: ImportSourceCredentialsInput[] = [];
  const fail: Partial<Record<"list" | "delete" | "import", HdocError>> = {};
  const api: CodeBuildSourceCredentialsApi = {
    async listSourceCredentials() {
      calls.push("list");
      if (fail.list) throw fail.list;
      return { sourceCredentialsInfos: [...state.values()] as SourceCredentialsInfo[] };
    },
    async deleteSourceCredentials({ arn }) {
      calls.push(`delete ${arn}`);
      if (fail.delete) throw fail.delete;
      const found = [...state.values()].find((c) => c.arn === arn);
      if (!found) throw new HdocError("NOT_FOUND", "codebuild:DeleteSourceCredentials: not found");
      state.delete(found.serverType!);
      return { arn };
    },
    async importSourceCredentials(input) {
      calls.push(`import ${input.serverType}`);
      imports.push(input);
      if (fail.import) throw fail.import;
      if (state.has(input.serverType!)) throw new HdocError("AWS", "codebuild:ImportSourceCredentials failed: ResourceAlreadyExistsException");
      const arn = `arn:aws:codebuild:us-east-1:123456789012:token/${input.serverType!.toLowerCase()}`;
      state.set(input.serverType!, { arn, serverType: input.serverType!, authType: input.authType!, ...(input.authType === "CODECONNECTIONS" ? { resource: input.token } : {}) });
      return { arn };
    },
  };
  return { api, calls, imports, fail, state };
}

function setup(o: { stored?: Array<{ serverType: string; authType?: string; resource?: string }>; env?: Record<string, string>; ssm?: Record<string, string | { value: string; type: string }>; io?: Parameters<typeof recordingIo>[0] } = {}) {
  const cb = fakeCodeBuild(o.stored ?? [{ serverType: "GITHUB" }]);
  const rec = recordingIo({ interactive: true, confirm: true, ...o.io });
  const ssmReads: string[] = [];
  const deps = {
    codebuild: cb.api,
    io: rec.io,
    accountId: vi.fn(async () => "123456789012"),
    tokens: {
      env: (name: string) => (o.env ?? { GITHUB_TOKEN: TOKEN })[name],
      ssmParameter: async (name: string) => {
        ssmReads.push(name);
        const v = o.ssm?.[name];
        if (v === undefined) throw new HdocError("NOT_FOUND", `SSM parameter ${name} does not exist in us-east-1`);
        return typeof v === "string" ? { value: v, type: "SecureString" } : v;
      },
    },
  };
  const input = ({ tokenSource, ...over }: Partial<ResetInput> & { tokenSource?: TokenSource } = {}): ResetInput => ({
    serverType: "GITHUB", region: "us-east-1", delete: true, import: true, dryRun: false,
    credential: { authType: "PERSONAL_ACCESS_TOKEN", tokenSource: tokenSource ?? { kind: "env", name: "GITHUB_TOKEN", explicit: false } }, ...over,
  });
  return { cb, rec, deps, input, ssmReads };
}

async function hdocError(p: Promise<unknown>): Promise<HdocError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HdocError) return e;
    throw e;
  }
  throw new Error("expected an HdocError");
}

describe("parseServerType", () => {
  it.each([
    ["GITHUB", "GITHUB"],
    ["github", "GITHUB"],
    ["GITHUB_ENTERPRISE", "GITHUB_ENTERPRISE"],
    [" bitbucket ", "BITBUCKET"],
  ])("accepts %j as %s", (raw, want) => expect(parseServerType(raw)).toBe(want));

  it.each(["GITLAB", "", "git hub"])("refuses %j as a usage error naming the accepted values", (raw) => {
    expect(() => parseServerType(raw)).toThrow(expect.objectContaining({ code: "USAGE", hint: "use one of GITHUB, GITHUB_ENTERPRISE, BITBUCKET" }));
  });
});

describe("chooseTokenSource", () => {
  const env = (vars: Record<string, string>) => ({ env: (n: string) => vars[n] });
  it.each<[string, { tokenEnv?: string; tokenSsmParameter?: string }, Record<string, string>, TokenSource]>([
    ["an explicit --token-env wins over GITHUB_TOKEN", { tokenEnv: "MY_TOKEN" }, { GITHUB_TOKEN: "x" }, { kind: "env", name: "MY_TOKEN", explicit: true }],
    ["an explicit --token-ssm-parameter wins over GITHUB_TOKEN", { tokenSsmParameter: "/p" }, { GITHUB_TOKEN: "x" }, { kind: "ssm", name: "/p" }],
    ["GITHUB_TOKEN when set and no flag", {}, { GITHUB_TOKEN: "x" }, { kind: "env", name: "GITHUB_TOKEN", explicit: false }],
    ["GITHUB_TOKEN even when set to blanks (refused later)", {}, { GITHUB_TOKEN: "  " }, { kind: "env", name: "GITHUB_TOKEN", explicit: false }],
    ["the prompt otherwise", {}, {}, { kind: "prompt" }],
  ])("%s", (_name, opts, vars, want) => expect(chooseTokenSource(opts, env(vars))).toEqual(want));

  it("refuses two token sources at once", () => {
    expect(() => chooseTokenSource({ tokenEnv: "A", tokenSsmParameter: "/p" }, env({}))).toThrow(expect.objectContaining({ code: "USAGE" }));
  });

  it("refuses a --token-env that looks like a token value instead of a variable name", () => {
    expect(() => chooseTokenSource({ tokenEnv: "ghp_abc-def" }, env({}))).toThrow(/not an environment variable name/);
  });
});

describe("retryCommand", () => {
  it("repeats the server type, the explicit token source and the given flags, never a token", () => {
    expect(retryCommand({ serverType: "BITBUCKET", credential: { authType: "PERSONAL_ACCESS_TOKEN", tokenSource: { kind: "ssm", name: "/x/y" } }, retryArgs: ["--profile", "p"] }))
      .toBe("hdoc codebuild reset-credentials --no-delete --server-type BITBUCKET --token-ssm-parameter /x/y --profile p");
    expect(retryCommand({ serverType: "GITHUB", credential: { authType: "PERSONAL_ACCESS_TOKEN", tokenSource: { kind: "env", name: "GITHUB_TOKEN", explicit: false } } }))
      .toBe("hdoc codebuild reset-credentials --no-delete");
  });

  it("names the connection for CODECONNECTIONS", () => {
    expect(retryCommand({ serverType: "GITHUB", credential: viaConnection })).toBe(`hdoc codebuild reset-credentials --no-delete --auth-type CODECONNECTIONS --connection-arn ${CONNECTION}`);
  });
});

describe("parseAuthType", () => {
  it.each([["codeconnections", "CODECONNECTIONS"], [" PERSONAL_ACCESS_TOKEN", "PERSONAL_ACCESS_TOKEN"]])("accepts %j", (raw, want) => expect(parseAuthType(raw)).toBe(want));
  it.each(["OAUTH", "BASIC_AUTH", ""])("refuses %j (OAUTH cannot be imported through the API)", (raw) => {
    expect(() => parseAuthType(raw)).toThrow(expect.objectContaining({ code: "USAGE" }));
  });
});

describe("credentialsText", () => {
  it("says clearly when nothing is stored", () => {
    expect(credentialsText([], { region: "eu-west-1" })).toBe("No source credentials are stored in CodeBuild in eu-west-1.");
  });
  it("renders a table with server type, auth type and ARN, and a resource column only when needed", () => {
    const text = credentialsText([{ serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN", arn: ARN }], { region: "us-east-1" });
    expect(text.split("\n")[0]).toMatch(/^SERVER TYPE\s+AUTH TYPE\s+ARN$/);
    expect(text).toContain(`GITHUB       PERSONAL_ACCESS_TOKEN  ${ARN}`);
    const withRes = credentialsText([{ serverType: "GITHUB", authType: "CODECONNECTIONS", arn: ARN, resource: "arn:conn" }], { region: "us-east-1" });
    expect(withRes.split("\n")[0]).toMatch(/RESOURCE$/);
  });
});

describe("resetCredentials", () => {
  it("lists, deletes by ARN, imports a PERSONAL_ACCESS_TOKEN without overwrite, and lists again, in that order", async () => {
    const { cb, deps, input, rec } = setup();
    const r = await resetCredentials(input(), deps);
    expect(cb.calls).toEqual(["list", `delete ${ARN}`, "import GITHUB", "list"]);
    expect(cb.imports).toEqual([{ token: TOKEN, serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN", shouldOverwrite: false }]);
    expect(r).toMatchObject({ outcome: "changed", account: "123456789012", deleted: [ARN], imported: ARN, credentials: [{ serverType: "GITHUB", arn: ARN }] });
    expect(rec.out()).toContain(`delete  ${ARN}`);
    expect(rec.asked.confirm).toHaveLength(1);
  });

  it("trims the token, and never prints it even when a message would contain it", async () => {
    const { cb, deps, input, rec } = setup({ env: { GITHUB_TOKEN: `  ${TOKEN}\n` } });
    await resetCredentials(input(), deps);
    expect(cb.imports[0]!.token).toBe(TOKEN);
    rec.io.info(`echo ${TOKEN}`);
    expect(rec.all()).not.toContain(TOKEN);
    expect(rec.all()).toContain("echo ****");
  });

  it.each([
    ["empty", ""],
    ["whitespace", " \t\n"],
  ])("refuses an %s token before any AWS call", async (_n, value) => {
    const { cb, deps, input } = setup({ env: { GITHUB_TOKEN: value } });
    const e = await hdocError(resetCredentials(input(), deps));
    expect(e.code).toBe("USAGE");
    expect(e.message).toBe("the token from $GITHUB_TOKEN is empty");
    expect(cb.calls).toEqual([]);
    expect(deps.accountId).not.toHaveBeenCalled();
  });

  it("refuses a token with inner whitespace, without echoing it", async () => {
    const { cb, deps, input } = setup({ env: { GITHUB_TOKEN: "abcd efgh" } });
    const e = await hdocError(resetCredentials(input(), deps));
    expect(e.message).toContain("contains whitespace");
    expect(e.message).not.toContain("abcd");
    expect(cb.calls).toEqual([]);
  });

  it("stops before any AWS call when an explicit --token-env variable is unset", async () => {
    const { cb, deps, input } = setup({ env: {} });
    const e = await hdocError(resetCredentials(input({ tokenSource: { kind: "env", name: "MY_TOKEN", explicit: true } }), deps));
    expect(e).toMatchObject({ code: "USAGE", message: "the environment variable MY_TOKEN (from --token-env) is not set" });
    expect(cb.calls).toEqual([]);
  });

  it("reads the token from SSM, and a missing parameter stops the run before anything is listed or deleted", async () => {
    const ok = setup({ ssm: { "/team/token": TOKEN } });
    await resetCredentials(ok.input({ tokenSource: { kind: "ssm", name: "/team/token" } }), ok.deps);
    expect(ok.cb.imports[0]!.token).toBe(TOKEN);

    const missing = setup();
    const e = await hdocError(resetCredentials(missing.input({ tokenSource: { kind: "ssm", name: "/nope" } }), missing.deps));
    expect(e).toMatchObject({ code: "NOT_FOUND", message: "SSM parameter /nope does not exist in us-east-1" });
    expect(missing.cb.calls).toEqual([]);
  });

  it("asks for the token with a masked prompt when no other source applies", async () => {
    const { cb, deps, input, rec } = setup({ env: {}, io: { password: TOKEN } });
    await resetCredentials(input({ tokenSource: { kind: "prompt" } }), deps);
    expect(rec.asked.password).toHaveLength(1);
    expect(cb.imports[0]!.token).toBe(TOKEN);
  });

  it("shows the plan (account, region, what is deleted) before asking for the token; the prompt refuses what the run would refuse", async () => {
    const { deps, input, rec } = setup({ env: {}, io: { password: TOKEN } });
    await resetCredentials(input({ tokenSource: { kind: "prompt" } }), deps);
    const plan = rec.events.findIndex((e) => e.startsWith("out: CodeBuild source credentials in account"));
    const asked = rec.events.findIndex((e) => e.startsWith("ask password:"));
    expect(plan).toBeGreaterThan(-1);
    expect(asked).toBeGreaterThan(plan);
    const validate = rec.validators.get(rec.asked.password[0]!)!;
    expect(validate("ghp_with space")).toBe("a personal access token has no spaces: paste it again");
    expect(validate("   ")).toBe("the token must not be empty");
    expect(validate(` ${TOKEN} `)).toBe(true);
  });

  it("fails with a usage error when the prompt is needed but the terminal is not interactive", async () => {
    const { cb, deps, input } = setup({ env: {}, io: { interactive: false } });
    const e = await hdocError(resetCredentials(input({ tokenSource: { kind: "prompt" } }), deps));
    expect(e).toMatchObject({ code: "USAGE", hint: "pass --token-env VAR or --token-ssm-parameter NAME" });
    expect(cb.calls).toEqual([]);
  });

  it("--dry-run shows the plan, lists once and changes nothing (and does not prompt for a token)", async () => {
    const { cb, deps, input, rec } = setup({ env: {} });
    const r = await resetCredentials(input({ dryRun: true, tokenSource: { kind: "prompt" } }), deps);
    expect(cb.calls).toEqual(["list"]);
    expect(r.outcome).toBe("dry-run");
    expect(rec.asked.password).toEqual([]);
    expect(rec.asked.confirm).toEqual([]);
    expect(rec.out()).toContain("Dry run: nothing was changed.");
  });

  it("declining at the prompt changes nothing (exit 8)", async () => {
    const { cb, deps, input } = setup({ io: { confirm: false } });
    const e = await hdocError(resetCredentials(input(), deps));
    expect(e).toMatchObject({ code: "DECLINED", message: "nothing changed (declined at the prompt)" });
    expect(e.exitCode).toBe(8);
    expect(cb.calls).toEqual(["list"]);
  });

  it("refuses to delete without --yes when not interactive, and --yes proceeds", async () => {
    const refused = setup({ io: { interactive: false } });
    const e = await hdocError(resetCredentials(refused.input(), refused.deps));
    expect(e.code).toBe("ABORTED");
    expect(refused.cb.calls).toEqual(["list"]);

    const yes = setup({ io: { interactive: false, yes: true } });
    await resetCredentials(yes.input(), yes.deps);
    expect(yes.cb.calls).toEqual(["list", `delete ${ARN}`, "import GITHUB", "list"]);
  });

  it("says the credential was deleted and how to retry when the import fails after the deletion (exit 7)", async () => {
    const { cb, deps, input } = setup({ ssm: { "/t": TOKEN } });
    cb.fail.import = new HdocError("AWS", "codebuild:ImportSourceCredentials rejected the request: Invalid token");
    const e = await hdocError(resetCredentials(input({ tokenSource: { kind: "ssm", name: "/t" } }), deps));
    expect(e.code).toBe("FAILED");
    expect(e.exitCode).toBe(7);
    expect(e.message).toBe("the GITHUB credential was deleted, but importing the new token failed: codebuild:ImportSourceCredentials rejected the request: Invalid token");
    expect(e.hint).toContain("`hdoc codebuild reset-credentials --no-delete --token-ssm-parameter /t`");
    expect(cb.state.size).toBe(0);
  });

  it("passes an import failure through unchanged when nothing had been deleted", async () => {
    const { cb, deps, input } = setup({ stored: [] });
    cb.fail.import = new HdocError("AWS", "access denied: codebuild:ImportSourceCredentials is not allowed");
    const e = await hdocError(resetCredentials(input(), deps));
    expect(e).toBe(cb.fail.import);
  });

  it("stops at an access-denied delete with nothing imported", async () => {
    const { cb, deps, input } = setup();
    cb.fail.delete = new HdocError("AWS", "access denied: codebuild:DeleteSourceCredentials is not allowed for these credentials");
    const e = await hdocError(resetCredentials(input(), deps));
    expect(e).toBe(cb.fail.delete);
    expect(cb.calls).toEqual(["list", `delete ${ARN}`]);
  });

  it("--no-delete imports without deleting or asking when nothing is stored (the retry path)", async () => {
    const { cb, deps, input, rec } = setup({ stored: [] });
    const r = await resetCredentials(input({ delete: false }), deps);
    expect(cb.calls).toEqual(["list", "import GITHUB", "list"]);
    expect(rec.asked.confirm).toEqual([]);
    expect(r.imported).toBe(ARN);
  });

  it("--no-delete refuses up front when a credential of that type is still stored", async () => {
    const { cb, deps, input } = setup();
    const e = await hdocError(resetCredentials(input({ delete: false }), deps));
    expect(e.code).toBe("USAGE");
    expect(e.message).toContain("CodeBuild keeps one per server type");
    expect(cb.calls).toEqual(["list"]);
  });

  it("--no-import deletes without touching any token source", async () => {
    const { cb, deps, input, rec } = setup({ env: {} });
    const r = await resetCredentials(input({ import: false, tokenSource: { kind: "prompt" } }), deps);
    expect(cb.calls).toEqual(["list", `delete ${ARN}`, "list"]);
    expect(rec.asked.password).toEqual([]);
    expect(r.credentials).toEqual([]);
  });

  it("touches only the chosen server type", async () => {
    const { cb, deps, input } = setup({ stored: [{ serverType: "GITHUB" }, { serverType: "BITBUCKET", authType: "BASIC_AUTH" }] });
    await resetCredentials(input({ serverType: "BITBUCKET" }), deps);
    expect(cb.calls).toEqual(["list", "delete arn:aws:codebuild:us-east-1:123456789012:token/bitbucket", "import BITBUCKET", "list"]);
    expect([...cb.state.keys()].sort()).toEqual(["BITBUCKET", "GITHUB"]);
  });

  it("treats a credential that vanished between list and delete as deleted", async () => {
    const { cb, deps, input, rec } = setup();
    const list = cb.api.listSourceCredentials.bind(cb.api);
    cb.api.listSourceCredentials = async (i) => {
      const out = await list(i);
      cb.state.clear(); // someone else deleted it meanwhile
      return out;
    };
    const r = await resetCredentials(input(), deps);
    expect(rec.err()).toContain(`${ARN} was already gone`);
    expect(r.imported).toBe(ARN);
  });

  it("imports a connection as CODECONNECTIONS (its ARN as the token), reading no token source", async () => {
    const { cb, deps, input, rec, ssmReads } = setup({ env: {} });
    const r = await resetCredentials(input({ credential: viaConnection }), deps);
    expect(cb.calls).toEqual(["list", `delete ${ARN}`, "import GITHUB", "list"]);
    expect(cb.imports).toEqual([{ token: CONNECTION, serverType: "GITHUB", authType: "CODECONNECTIONS", shouldOverwrite: false }]);
    expect(r).toMatchObject({ outcome: "changed", authType: "CODECONNECTIONS", plan: { connectionArn: CONNECTION }, credentials: [{ authType: "CODECONNECTIONS", resource: CONNECTION }] });
    expect(rec.out()).toContain(`  import  the connection ${CONNECTION} (hdoc-github, AVAILABLE) as CODECONNECTIONS for GITHUB`);
    expect(rec.asked.confirm).toEqual(["Delete this credential and import the connection?"]);
    expect(rec.asked.password).toEqual([]);
    expect(ssmReads).toEqual([]);
  });

  it("keeps a credential that already is the connection: nothing deleted, nothing asked", async () => {
    const { cb, deps, input, rec } = setup({ stored: [{ serverType: "GITHUB", authType: "CODECONNECTIONS", resource: CONNECTION }] });
    const r = await resetCredentials(input({ credential: viaConnection }), deps);
    expect(r.outcome).toBe("nothing-to-do");
    expect(cb.calls).toEqual(["list"]);
    expect(rec.asked.confirm).toEqual([]);
    expect(rec.out()).toContain(`keep    ${ARN}: it already is the connection ${CONNECTION}`);
  });

  it("replaces a credential that is another connection", async () => {
    const { cb, deps, input } = setup({ stored: [{ serverType: "GITHUB", authType: "CODECONNECTIONS", resource: CONNECTION.replace("3b6f", "0000") }] });
    await resetCredentials(input({ credential: viaConnection }), deps);
    expect(cb.calls).toEqual(["list", `delete ${ARN}`, "import GITHUB", "list"]);
  });

  it("says the credential was deleted when importing the connection fails, and names the retry", async () => {
    const { cb, deps, input } = setup();
    cb.fail.import = new HdocError("AWS", "codebuild:ImportSourceCredentials rejected the request: Invalid connection ARN");
    const e = await hdocError(resetCredentials(input({ credential: viaConnection }), deps));
    expect(e.message).toBe("the GITHUB credential was deleted, but importing the connection failed: codebuild:ImportSourceCredentials rejected the request: Invalid connection ARN");
    expect(e.hint).toContain(`--auth-type CODECONNECTIONS --connection-arn ${CONNECTION}`);
  });

  it("refuses a token parameter that is a plain String, masked, before anything is listed, with the command that converts it", async () => {
    const { cb, deps, input, rec } = setup({ ssm: { "/t": { value: TOKEN, type: "String" } } });
    const e = await hdocError(resetCredentials(input({ tokenSource: { kind: "ssm", name: "/t" } }), deps));
    expect(e.code).toBe("USAGE");
    expect(e.message).toBe("SSM parameter /t holds the token as a plain String: anyone allowed ssm:GetParameter can read it; nothing was changed");
    expect(e.hint).toBe("make it a SecureString, then run this again: aws ssm get-parameter --region us-east-1 --name /t --query Parameter.Value --output text | tr -d '\\n' | aws ssm put-parameter --region us-east-1 --name /t --type SecureString --overwrite --value file:///dev/stdin");
    expect(cb.calls).toEqual([]);
    rec.io.info(`leak? ${TOKEN}`);
    expect(rec.all()).not.toContain(TOKEN);
  });

  it("--no-delete with --no-import is a usage error", async () => {
    const { cb, deps, input } = setup();
    await expect(resetCredentials(input({ delete: false, import: false }), deps)).rejects.toMatchObject({ code: "USAGE" });
    expect(cb.calls).toEqual([]);
  });
});
