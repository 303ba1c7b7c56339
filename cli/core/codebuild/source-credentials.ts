/**
 * CodeBuild's stored source credentials: listing them, and the reset flow (delete + import a new
 * personal access token). The order is what makes it safe: the token is obtained and validated
 * before anything is deleted, so a bad or missing token never leaves the account without the
 * credential it had. Everything the flow touches is injected (`ResetDeps`).
 */
import type { SourceCredentialsInfo } from "@aws-sdk/client-codebuild";
import type { CodeBuildSourceCredentialsApi } from "../../aws/codebuild.ts";
import { HdocError } from "../../errors.ts";
import type { Io } from "../../ui/io.ts";

export const SERVER_TYPES = ["GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET"] as const;
export type ServerType = (typeof SERVER_TYPES)[number];
export const DEFAULT_TOKEN_ENV = "GITHUB_TOKEN";
const AUTH_TYPE = "PERSONAL_ACCESS_TOKEN";

/** One stored credential, as hdoc shows it. */
export interface SourceCredential {
  serverType: string;
  authType: string;
  arn: string;
  /** The connection/secret ARN for CODECONNECTIONS and SECRETS_MANAGER credentials. */
  resource?: string;
}

export function parseServerType(value: string): ServerType {
  const v = value.trim().toUpperCase();
  if ((SERVER_TYPES as readonly string[]).includes(v)) return v as ServerType;
  throw new HdocError("USAGE", `--server-type ${JSON.stringify(value)} is not supported`, `use one of ${SERVER_TYPES.join(", ")}`);
}

export async function listSourceCredentials(api: Pick<CodeBuildSourceCredentialsApi, "listSourceCredentials">): Promise<SourceCredential[]> {
  const out = await api.listSourceCredentials({});
  return (out.sourceCredentialsInfos ?? []).map(toCredential).sort((a, b) => a.serverType.localeCompare(b.serverType) || a.arn.localeCompare(b.arn));
}

function toCredential(c: SourceCredentialsInfo): SourceCredential {
  return { serverType: c.serverType ?? "?", authType: c.authType ?? "?", arn: c.arn ?? "?", ...(c.resource ? { resource: c.resource } : {}) };
}

// ---------------------------------------------------------------------------------------------
// The token

export type TokenSource = { kind: "env"; name: string; explicit: boolean } | { kind: "ssm"; name: string } | { kind: "prompt" };

/** Where the token comes from; the token itself is never stored outside the flow. */
export interface TokenSources {
  /** An environment variable's value (undefined when unset). */
  env(name: string): string | undefined;
  /** An SSM parameter's decrypted value (throws NOT_FOUND naming the parameter). */
  ssmParameter(name: string): Promise<string>;
}

/**
 * Explicit flags first (--token-env VAR, --token-ssm-parameter NAME), then GITHUB_TOKEN when it is
 * set, else the masked prompt. Both flags at once is a usage error.
 */
export function chooseTokenSource(opts: { tokenEnv?: string; tokenSsmParameter?: string }, tokens: Pick<TokenSources, "env">): TokenSource {
  if (opts.tokenEnv !== undefined && opts.tokenSsmParameter !== undefined) {
    throw new HdocError("USAGE", "--token-env and --token-ssm-parameter both name a token source", "pass only one of them");
  }
  if (opts.tokenEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.tokenEnv)) {
      throw new HdocError("USAGE", `--token-env ${JSON.stringify(opts.tokenEnv)} is not an environment variable name`, "pass the variable's name, e.g. --token-env GITHUB_TOKEN, not its value");
    }
    return { kind: "env", name: opts.tokenEnv, explicit: true };
  }
  if (opts.tokenSsmParameter !== undefined) {
    if (!opts.tokenSsmParameter.trim()) throw new HdocError("USAGE", "--token-ssm-parameter needs a parameter name", "e.g. --token-ssm-parameter /100DaysOfCloud/Backend/GithubTokenS");
    return { kind: "ssm", name: opts.tokenSsmParameter };
  }
  if (tokens.env(DEFAULT_TOKEN_ENV) !== undefined) return { kind: "env", name: DEFAULT_TOKEN_ENV, explicit: false };
  return { kind: "prompt" };
}

/** Refuses flag combinations that leave nothing to do (before any AWS call). */
export function checkSteps(input: { delete: boolean; import: boolean }): void {
  if (!input.delete && !input.import) {
    throw new HdocError("USAGE", "--no-delete and --no-import together leave nothing to do", "drop one of them");
  }
}

export function describeTokenSource(s: TokenSource): string {
  if (s.kind === "env") return `$${s.name}`;
  if (s.kind === "ssm") return `SSM parameter ${s.name}`;
  return "the prompt";
}

/** Reads the token from its source, registers it with the redactor at once, and validates it. */
export async function obtainToken(source: TokenSource, serverType: ServerType, tokens: TokenSources, io: Io): Promise<string> {
  let raw: string | undefined;
  if (source.kind === "env") {
    raw = tokens.env(source.name);
    if (raw === undefined) {
      throw new HdocError("USAGE", `the environment variable ${source.name} (from --token-env) is not set`, `export ${source.name}=<token>, or use --token-ssm-parameter NAME; nothing was changed`);
    }
  } else if (source.kind === "ssm") {
    raw = await tokens.ssmParameter(source.name);
  } else {
    // what the run would refuse is refused here, and asked again
    raw = await io.password(`Personal access token for ${serverType}`, "--token-env VAR or --token-ssm-parameter NAME", tokenProblem);
  }
  io.redactor.add(raw);
  const token = raw.trim();
  io.redactor.add(token);
  const from = describeTokenSource(source);
  if (!token) throw new HdocError("USAGE", `the token from ${from} is empty`, "set it to a personal access token; nothing was changed");
  if (/\s/.test(token)) throw new HdocError("USAGE", `the token from ${from} contains whitespace, so it is not a personal access token`, "check the value; nothing was changed");
  return token;
}

/** Why a typed token would be refused (empty, or with whitespace inside), or true. */
export function tokenProblem(v: string): string | true {
  const t = v.trim();
  if (!t) return "the token must not be empty";
  if (/\s/.test(t)) return "a personal access token has no spaces: paste it again";
  return true;
}

// ---------------------------------------------------------------------------------------------
// The reset flow

export interface ResetInput {
  serverType: ServerType;
  region: string;
  /** Delete the stored credentials of serverType first (false: --no-delete, the retry path). */
  delete: boolean;
  /** Import a new token (false: --no-import). */
  import: boolean;
  dryRun: boolean;
  tokenSource: TokenSource;
  /** Flags to repeat in the retry hint (e.g. ["--profile", "x"]); never a secret. */
  retryArgs?: string[];
}

export interface ResetDeps {
  codebuild: CodeBuildSourceCredentialsApi;
  tokens: TokenSources;
  /** The account the session acts on (STS GetCallerIdentity). */
  accountId(): Promise<string>;
  io: Io;
}

export type ResetOutcome = "changed" | "dry-run" | "nothing-to-do";

export interface ResetResult {
  outcome: ResetOutcome;
  account: string;
  region: string;
  serverType: ServerType;
  plan: { delete: string[]; import: boolean; tokenFrom?: string };
  deleted: string[];
  imported?: string;
  /** The stored credentials after the run (all server types). */
  credentials: SourceCredential[];
}

export function retryCommand(input: Pick<ResetInput, "serverType" | "tokenSource" | "retryArgs">): string {
  const parts = ["hdoc", "codebuild", "reset-credentials", "--no-delete"];
  if (input.serverType !== "GITHUB") parts.push("--server-type", input.serverType);
  if (input.tokenSource.kind === "env" && input.tokenSource.explicit) parts.push("--token-env", input.tokenSource.name);
  if (input.tokenSource.kind === "ssm") parts.push("--token-ssm-parameter", input.tokenSource.name);
  parts.push(...(input.retryArgs ?? []));
  return parts.join(" ");
}

export async function resetCredentials(input: ResetInput, deps: ResetDeps): Promise<ResetResult> {
  const { io, codebuild } = deps;
  const { serverType } = input;
  checkSteps(input);

  // 1. A token from the environment or SSM first: a missing or empty one stops the run with nothing
  //    changed. A token typed at the prompt is asked for after the plan is shown (step 3).
  //    Without a terminal the prompt cannot be answered: that is said at once, before any AWS call.
  const prompted = input.tokenSource.kind === "prompt" && io.interactive;
  const promptLater = input.dryRun && input.tokenSource.kind === "prompt";
  let token = input.import && !prompted && !promptLater ? await obtainToken(input.tokenSource, serverType, deps.tokens, io) : undefined;

  // 2. What is stored now, and where.
  const before = await listSourceCredentials(codebuild);
  const account = await deps.accountId();
  const matching = before.filter((c) => c.serverType === serverType);
  if (!input.delete && input.import && matching.length > 0) {
    throw new HdocError(
      "USAGE",
      `a ${serverType} credential is already stored (${matching.map((c) => c.arn).join(", ")}) and CodeBuild keeps one per server type, so importing another would fail`,
      "run without --no-delete to replace it; nothing was changed",
    );
  }
  const toDelete = input.delete ? matching.map((c) => c.arn) : [];
  const plan = { delete: toDelete, import: input.import, ...(input.import ? { tokenFrom: describeTokenSource(input.tokenSource) } : {}) };
  const result = (outcome: ResetOutcome, credentials: SourceCredential[], deleted: string[] = [], imported?: string): ResetResult => ({
    outcome, account, region: input.region, serverType, plan, deleted, ...(imported ? { imported } : {}), credentials,
  });

  // 3. The plan.
  io.out(`CodeBuild source credentials in account ${account}, region ${input.region}, server type ${serverType}:`);
  if (input.delete) {
    if (toDelete.length === 0) io.out(`  nothing to delete: no ${serverType} credential is stored`);
    for (const c of matching) io.out(`  delete  ${c.arn} (${c.authType})`);
  }
  if (input.import) io.out(`  import  a new ${AUTH_TYPE} for ${serverType}, token from ${plan.tokenFrom}`);
  if (toDelete.length === 0 && !input.import) {
    io.out("Nothing to do.");
    return result("nothing-to-do", before);
  }
  if (input.dryRun) {
    io.out("Dry run: nothing was changed.");
    return result("dry-run", before);
  }

  if (input.import && prompted) token = await obtainToken(input.tokenSource, serverType, deps.tokens, io);
  if (input.import && token === undefined) throw new HdocError("INTERNAL", "no token was obtained for the import");

  // 4. Confirmation, only when something is about to be deleted (--yes answers it).
  if (toDelete.length > 0) {
    const ok = await io.confirm(`Delete ${toDelete.length === 1 ? "this credential" : `these ${toDelete.length} credentials`}${input.import ? " and import the new token" : ""}?`);
    if (!ok) throw new HdocError("DECLINED", "nothing changed (declined at the prompt)");
  }

  // 5. Delete by ARN.
  const deleted: string[] = [];
  for (const arn of toDelete) {
    try {
      await codebuild.deleteSourceCredentials({ arn });
      io.info(`deleted ${arn}`);
    } catch (e) {
      if (e instanceof HdocError && e.code === "NOT_FOUND") {
        io.warn(`${arn} was already gone`);
      } else if (deleted.length > 0) {
        throw new HdocError("FAILED", `deleted ${deleted.join(", ")} but could not delete ${arn}: ${(e as Error).message}`, "run `hdoc codebuild credentials` to see what is stored", { cause: e });
      } else {
        throw e;
      }
    }
    deleted.push(arn);
  }

  // 6. Import the new token.
  let imported: string | undefined;
  if (token !== undefined) {
    try {
      const out = await codebuild.importSourceCredentials({ token, serverType, authType: AUTH_TYPE, shouldOverwrite: false });
      imported = out.arn ?? "(no ARN returned)";
      io.info(`imported a new ${serverType} credential: ${imported}`);
    } catch (e) {
      if (deleted.length === 0) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new HdocError(
        "FAILED",
        `the ${serverType} credential was deleted, but importing the new token failed: ${reason}`,
        `no ${serverType} credential is stored now; fix the cause, then retry with \`${retryCommand(input)}\``,
        { cause: e },
      );
    }
  }

  // 7. The final state.
  return result("changed", await listSourceCredentials(codebuild), deleted, imported);
}
