/**
 * CodeBuild's stored source credentials: listing them, and the reset flow (delete + import a new
 * one: a connection, CODECONNECTIONS, or a personal access token). The order is what makes it safe:
 * what will be imported is obtained and checked before anything is deleted (the token read and
 * validated, the connection found AVAILABLE by the caller), so a bad token or an unusable connection
 * never leaves the account without the credential it had. Everything the flow touches is injected
 * (`ResetDeps`).
 */
import type { SourceCredentialsInfo } from "@aws-sdk/client-codebuild";
import type { CodeBuildSourceCredentialsApi } from "../../aws/codebuild.ts";
import { HdocError } from "../../errors.ts";
import type { Io } from "../../ui/io.ts";
import { describeTokenSource, obtainToken, type TokenSource, type TokenSources } from "./token.ts";

export const SERVER_TYPES = ["GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET"] as const;
export type ServerType = (typeof SERVER_TYPES)[number];
export const AUTH_TYPES = ["CODECONNECTIONS", "PERSONAL_ACCESS_TOKEN"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];
/** The connection provider that serves each server type. */
export const CONNECTION_PROVIDER: Record<ServerType, string> = { GITHUB: "GitHub", GITHUB_ENTERPRISE: "GitHubEnterpriseServer", BITBUCKET: "Bitbucket" };

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

export function parseAuthType(value: string): AuthType {
  const v = value.trim().toUpperCase();
  if ((AUTH_TYPES as readonly string[]).includes(v)) return v as AuthType;
  throw new HdocError("USAGE", `--auth-type ${JSON.stringify(value)} is not supported`, `use CODECONNECTIONS (a connection, recommended) or PERSONAL_ACCESS_TOKEN`);
}

/** Refuses flag combinations that leave nothing to do (before any AWS call). */
export function checkSteps(input: { delete: boolean; import: boolean }): void {
  if (!input.delete && !input.import) {
    throw new HdocError("USAGE", "--no-delete and --no-import together leave nothing to do", "drop one of them");
  }
}

// ---------------------------------------------------------------------------------------------
// The reset flow

export interface ResetInput {
  serverType: ServerType;
  region: string;
  /** Delete the stored credentials of serverType first (false: --no-delete, the retry path). */
  delete: boolean;
  /** Import a new credential (false: --no-import). */
  import: boolean;
  dryRun: boolean;
  /** What is imported: a connection (checked usable by the caller), or a token from its source. */
  credential: ImportedCredential;
  /** Flags to repeat in the retry hint (e.g. ["--profile", "x"]); never a secret. */
  retryArgs?: string[];
}

export type ImportedCredential =
  | { authType: "PERSONAL_ACCESS_TOKEN"; tokenSource: TokenSource }
  | { authType: "CODECONNECTIONS"; connectionArn: string; /** e.g. "hdoc-github, AVAILABLE, from the stage dev's pipeline" */ about: string; explicit: boolean };

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
  authType: AuthType;
  plan: { delete: string[]; import: boolean; tokenFrom?: string; connectionArn?: string };
  deleted: string[];
  imported?: string;
  /** The stored credentials after the run (all server types). */
  credentials: SourceCredential[];
}

export function retryCommand(input: Pick<ResetInput, "serverType" | "credential" | "retryArgs">): string {
  const parts = ["hdoc", "codebuild", "reset-credentials", "--no-delete"];
  if (input.serverType !== "GITHUB") parts.push("--server-type", input.serverType);
  const c = input.credential;
  if (c.authType === "CODECONNECTIONS") {
    parts.push("--auth-type", "CODECONNECTIONS", "--connection-arn", c.connectionArn);
  } else {
    if (c.tokenSource.kind === "env" && c.tokenSource.explicit) parts.push("--token-env", c.tokenSource.name);
    if (c.tokenSource.kind === "ssm") parts.push("--token-ssm-parameter", c.tokenSource.name);
  }
  parts.push(...(input.retryArgs ?? []));
  return parts.join(" ");
}

export async function resetCredentials(input: ResetInput, deps: ResetDeps): Promise<ResetResult> {
  const { io, codebuild } = deps;
  const { serverType } = input;
  checkSteps(input);

  // 1. What is imported, before anything else: a missing or empty token stops the run with nothing
  //    changed (a connection arrives already checked). For CODECONNECTIONS the "token" is the ARN.
  //    A token typed at the prompt is asked for after the plan is shown (step 3); without a terminal the
  //    prompt cannot be answered, and that is said at once, before any AWS call.
  const c = input.credential;
  const atPrompt = c.authType === "PERSONAL_ACCESS_TOKEN" && c.tokenSource.kind === "prompt";
  const promptLater = atPrompt && (input.dryRun || io.interactive);
  let token = !input.import || promptLater ? undefined : c.authType === "CODECONNECTIONS" ? c.connectionArn : await obtainToken(c.tokenSource, serverType, deps.tokens, io, input.region);

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
  // The connection already stored as this server type's credential: nothing to replace.
  const alreadyStored = c.authType === "CODECONNECTIONS" && input.import && matching.length === 1 && matching[0]!.authType === "CODECONNECTIONS" && matching[0]!.resource === c.connectionArn;
  const toDelete = input.delete && !alreadyStored ? matching.map((m) => m.arn) : [];
  const importing = input.import && !alreadyStored;
  const source = c.authType === "CODECONNECTIONS" ? { connectionArn: c.connectionArn } : { tokenFrom: describeTokenSource(c.tokenSource) };
  const plan = { delete: toDelete, import: importing, ...(input.import ? source : {}) };
  const result = (outcome: ResetOutcome, credentials: SourceCredential[], deleted: string[] = [], imported?: string): ResetResult => ({
    outcome, account, region: input.region, serverType, authType: c.authType, plan, deleted, ...(imported ? { imported } : {}), credentials,
  });

  // 3. The plan.
  io.out(`CodeBuild source credentials in account ${account}, region ${input.region}, server type ${serverType}:`);
  if (alreadyStored) io.out(`  keep    ${matching[0]!.arn}: it already is the connection ${matching[0]!.resource}`);
  else if (input.delete) {
    if (toDelete.length === 0) io.out(`  nothing to delete: no ${serverType} credential is stored`);
    for (const m of matching) io.out(`  delete  ${m.arn} (${m.authType})`);
  }
  if (importing) {
    if (c.authType === "CODECONNECTIONS") io.out(`  import  the connection ${c.connectionArn} (${c.about}) as CODECONNECTIONS for ${serverType}`);
    else io.out(`  import  a new PERSONAL_ACCESS_TOKEN for ${serverType}, token from ${describeTokenSource(c.tokenSource)}`);
  }
  if (toDelete.length === 0 && !importing) {
    io.out("Nothing to do.");
    return result("nothing-to-do", before);
  }
  if (input.dryRun) {
    io.out("Dry run: nothing was changed.");
    return result("dry-run", before);
  }

  if (input.import && token === undefined && c.authType === "PERSONAL_ACCESS_TOKEN") token = await obtainToken(c.tokenSource, serverType, deps.tokens, io, input.region);
  if (input.import && token === undefined) throw new HdocError("INTERNAL", "no token was obtained for the import");

  // 4. Confirmation, only when something is about to be deleted (--yes answers it).
  if (toDelete.length > 0) {
    const what = c.authType === "CODECONNECTIONS" ? "the connection" : "the new token";
    const ok = await io.confirm(`Delete ${toDelete.length === 1 ? "this credential" : `these ${toDelete.length} credentials`}${importing ? ` and import ${what}` : ""}?`);
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

  // 6. Import the new credential.
  let imported: string | undefined;
  if (token !== undefined && importing) {
    try {
      const out = await codebuild.importSourceCredentials({ token, serverType, authType: c.authType, shouldOverwrite: false });
      imported = out.arn ?? "(no ARN returned)";
      io.info(`imported a new ${serverType} credential: ${imported}`);
    } catch (e) {
      if (deleted.length === 0) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new HdocError(
        "FAILED",
        `the ${serverType} credential was deleted, but importing ${c.authType === "CODECONNECTIONS" ? "the connection" : "the new token"} failed: ${reason}`,
        `no ${serverType} credential is stored now; fix the cause, then retry with \`${retryCommand(input)}\``,
        { cause: e },
      );
    }
  }

  // 7. The final state.
  return result("changed", await listSourceCredentials(codebuild), deleted, imported);
}
