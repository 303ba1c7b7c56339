/**
 * The account's GitHub connection (AWS CodeConnections) that a stage's pipeline reads its source
 * through: which connection the stage uses, its state, what to do when it is not usable, and a
 * bounded wait for a handshake to finish. Returns data; the commands render it.
 *
 * Which connection: the pipeline template's `GithubConnectionArn` parameter, with the value the
 * stage's deploy would pass (samconfig's parameter_overrides and --parameter-overrides, else the
 * template's default). When the parameter's type is an SSM parameter type
 * (`AWS::SSM::Parameter::Value<String>`, as in cicd/), that value names an SSM parameter holding
 * the ARN; otherwise it is the ARN.
 */
import { HdocError } from "../../errors.ts";
import type { CodeConnectionsApi, Connection } from "../../aws/codeconnections.ts";
import { readParameter, type SsmParametersApi } from "../../aws/ssm.ts";
import { parseTemplate } from "../cfn/templates.ts";
import type { PipelineSettings } from "./settings.ts";

export const CONNECTION_PARAMETER = "GithubConnectionArn";
export const CREATE_COMMAND = "aws codeconnections create-connection --provider-type GitHub --connection-name hdoc-github";
/** The provider the pipeline's source action reads FullRepositoryId on. */
export const PROVIDER = "GitHub";
const ARN = /^arn:aws(-[a-z]+)*:(codeconnections|codestar-connections):([a-z0-9-]+):(\d{12}):connection\/[A-Za-z0-9-]+$/;

export interface ConnectionSource {
  /** An ARN, or the name of the SSM parameter that holds it. */
  value: string;
  viaSsm: boolean;
  /** Where the value came from, for messages ("cicd/samconfig.toml [dev]", "the template's default", "--connection-arn"). */
  from: string;
}

/** The connection's state as hdoc reports it. */
export interface ConnectionState {
  arn: string;
  /** How the ARN was found, e.g. "SSM parameter /100DaysOfCloud/Backend/GithubConnectionArn (cicd/samconfig.toml [dev])". */
  source: string;
  region: string;
  name?: string;
  provider?: string;
  /** PENDING, AVAILABLE or ERROR (or whatever else AWS answers). */
  status: string;
  usable: boolean;
  consoleUrl: string;
  /** When not usable: one line saying why, and the steps that fix it. */
  problem?: string;
  steps?: string[];
}

export interface ConnectionDeps {
  connections: CodeConnectionsApi;
  ssm: SsmParametersApi;
}

/** The console page that lists the region's connections (where "Update pending connection" is). */
export function consoleUrl(region: string): string {
  const host = region.startsWith("cn-") ? "console.amazonaws.cn" : region.startsWith("us-gov-") ? "console.amazonaws-us-gov.com" : `${region}.console.aws.amazon.com`;
  return `https://${host}/codesuite/settings/connections?region=${region}`;
}

/** Which value the stage's deploy passes for GithubConnectionArn, and whether it is an SSM parameter name. */
export function connectionSource(template: { Parameters?: unknown }, parameters: Record<string, string>, labels: { overrides: string }): ConnectionSource {
  const declared = (template.Parameters as Record<string, { Type?: unknown; Default?: unknown }> | undefined)?.[CONNECTION_PARAMETER];
  if (!declared) {
    throw new HdocError("USAGE", `the pipeline template has no ${CONNECTION_PARAMETER} parameter`, "use the template in cicd/ (its source action reads GitHub through a connection), or pass --connection-arn");
  }
  const viaSsm = typeof declared.Type === "string" && declared.Type.startsWith("AWS::SSM::Parameter::Value<");
  const given = parameters[CONNECTION_PARAMETER];
  if (given !== undefined && given !== "") return { value: given, viaSsm, from: labels.overrides };
  if (typeof declared.Default === "string" && declared.Default !== "") return { value: declared.Default, viaSsm, from: "the template's default" };
  throw new HdocError("USAGE", `no value for the template's ${CONNECTION_PARAMETER} parameter`, `set ${CONNECTION_PARAMETER} in parameter_overrides (cicd/samconfig.toml), or pass --connection-arn`);
}

/** Checks an ARN's shape before any call (a typo is a usage error, not a "not found"). */
export function checkArn(arn: string, from: string): string {
  if (!ARN.test(arn)) {
    throw new HdocError("USAGE", `${JSON.stringify(arn)} (${from}) is not a connection ARN`, "expected arn:aws:codeconnections:REGION:ACCOUNT:connection/ID (see `aws codeconnections list-connections`)");
  }
  return arn;
}

/**
 * The connection a stage's pipeline would use, from its settings and template; undefined when the
 * template reads no connection (a custom --template without the GithubConnectionArn parameter).
 */
export async function stageConnection(settings: PipelineSettings, templateBody: string, deps: Pick<ConnectionDeps, "ssm">, region: string): Promise<{ arn: string; source: string } | undefined> {
  const template = parseTemplate(templateBody, settings.templateLabel);
  if (!(template.Parameters as Record<string, unknown> | undefined)?.[CONNECTION_PARAMETER]) return undefined;
  const overrides = `parameter_overrides of stage ${settings.stage.stage}`;
  return resolveConnectionArn(connectionSource(template, settings.parameters, { overrides }), deps, region);
}

/** The ARN the source names: read from SSM when it is a parameter name. */
export async function resolveConnectionArn(source: ConnectionSource, deps: Pick<ConnectionDeps, "ssm">, region: string): Promise<{ arn: string; source: string }> {
  if (!source.viaSsm) return { arn: checkArn(source.value, source.from), source: source.from };
  let value: string;
  try {
    value = (await readParameter(deps.ssm, source.value, { region })).value;
  } catch (e) {
    if (e instanceof HdocError && e.code === "NOT_FOUND") {
      throw new HdocError(
        "NOT_FOUND",
        `SSM parameter ${source.value} (the pipeline's ${CONNECTION_PARAMETER}, ${source.from}) does not exist in ${region}`,
        `create the account's GitHub connection once (\`${CREATE_COMMAND}\`), then \`aws ssm put-parameter --name ${source.value} --type String --value <ConnectionArn>\``,
        { cause: e },
      );
    }
    throw e;
  }
  const label = `SSM parameter ${source.value} (${source.from})`;
  return { arn: checkArn(value.trim(), label), source: label };
}

function assess(c: Connection, base: { arn: string; source: string; region: string }, provider: string): ConnectionState {
  const status = c.ConnectionStatus ?? "UNKNOWN";
  const url = consoleUrl(base.region);
  const name = c.ConnectionName ?? base.arn;
  const state: ConnectionState = {
    ...base,
    ...(c.ConnectionName ? { name: c.ConnectionName } : {}),
    ...(c.ProviderType ? { provider: c.ProviderType } : {}),
    status,
    usable: false,
    consoleUrl: url,
  };
  const open = `open ${url} and choose ${name}`;
  if (c.ProviderType && c.ProviderType !== provider) {
    return { ...state, problem: `connection ${name} is for ${c.ProviderType}, not ${provider}`, steps: [`use a ${provider} connection (\`aws codeconnections list-connections --provider-type-filter ${provider}\`), or create one`] };
  }
  switch (status) {
    case "AVAILABLE":
      return { ...state, usable: true };
    case "PENDING":
      return {
        ...state,
        problem: `connection ${name} is PENDING: its one-time GitHub handshake has not been done`,
        steps: [open, "choose Update pending connection", "install (or pick) the AWS Connector for GitHub app on the organisation and grant it the repository", "choose Connect; the status becomes AVAILABLE (`hdoc pipeline connection --wait` waits for it)"],
      };
    case "ERROR":
      return {
        ...state,
        problem: `connection ${name} is in ERROR: GitHub refused it, or the app was removed or lost access to the repository`,
        steps: [open, "update the connection (re-install or re-grant the AWS Connector for GitHub app); AWS retries an ERROR connection by itself", "`hdoc pipeline connection --wait` waits until it is AVAILABLE"],
      };
    default:
      return { ...state, problem: `connection ${name} has status ${status}`, steps: [open] };
  }
}

/** The connection's state; a connection that does not exist is a NOT_FOUND error saying how to create one. */
export async function readConnection(ref: { arn: string; source: string }, deps: Pick<ConnectionDeps, "connections">, region: string, provider = PROVIDER): Promise<ConnectionState> {
  let out: { Connection?: Connection };
  try {
    out = await deps.connections.getConnection({ ConnectionArn: ref.arn });
  } catch (e) {
    if (e instanceof HdocError && e.code === "NOT_FOUND") {
      const arnRegion = ARN.exec(ref.arn)?.[3];
      const elsewhere = arnRegion && arnRegion !== region ? ` (the ARN is in ${arnRegion}: pass --region ${arnRegion}?)` : "";
      throw new HdocError(
        "NOT_FOUND",
        `the GitHub connection ${ref.arn} (${ref.source}) does not exist in ${region}${elsewhere}`,
        `create one (\`${CREATE_COMMAND}\`), finish its handshake at ${consoleUrl(region)}, and put its ARN where the stage reads it`,
        { cause: e },
      );
    }
    throw e;
  }
  if (!out.Connection) throw new HdocError("AWS", `codeconnections:GetConnection returned no connection for ${ref.arn}`);
  return assess(out.Connection, { ...ref, region }, provider);
}

/** The error a caller throws when the connection cannot be used: the problem, then the steps. */
export function unusableConnection(state: ConnectionState, doing?: string): HdocError {
  const steps = (state.steps ?? []).map((s, i) => `${i + 1}. ${s}`).join("; ");
  return new HdocError("NOT_VALID", `${doing ? `${doing}: ` : ""}${state.problem ?? `connection ${state.arn} is not usable`}`, steps || undefined);
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Resolves after ms (injected: tests and Ctrl-C). */
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Told of every status seen, for progress lines. */
  onPoll?(state: ConnectionState): void;
}

/**
 * Polls until the connection is AVAILABLE or the time is up. Returns the last state (usable or
 * not); never polls past the deadline, and always reads at least once.
 */
export async function waitForConnection(ref: { arn: string; source: string }, deps: Pick<ConnectionDeps, "connections">, region: string, w: WaitOptions): Promise<{ state: ConnectionState; timedOut: boolean }> {
  const deadline = w.now() + w.timeoutMs;
  for (;;) {
    const state = await readConnection(ref, deps, region);
    w.onPoll?.(state);
    if (state.usable) return { state, timedOut: false };
    const left = deadline - w.now();
    if (left <= 0) return { state, timedOut: true };
    await w.sleep(Math.min(w.intervalMs, left));
  }
}
