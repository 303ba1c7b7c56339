/**
 * The personal access token of `hdoc codebuild reset-credentials --auth-type PERSONAL_ACCESS_TOKEN`:
 * where it comes from (flag, $GITHUB_TOKEN, SSM, prompt), and reading it so that it is masked from
 * the moment it is known. An SSM parameter must be a SecureString: a plain String can be read by
 * anyone allowed ssm:GetParameter, and shows up wherever the parameter is echoed.
 */
import { HdocError } from "../../errors.ts";
import type { Io } from "../../ui/io.ts";

export const DEFAULT_TOKEN_ENV = "GITHUB_TOKEN";

export type TokenSource = { kind: "env"; name: string; explicit: boolean } | { kind: "ssm"; name: string } | { kind: "prompt" };

/** Where the token comes from; the token itself is never stored outside the flow. */
export interface TokenSources {
  /** An environment variable's value (undefined when unset). */
  env(name: string): string | undefined;
  /** An SSM parameter's decrypted value and its type (throws NOT_FOUND naming the parameter). */
  ssmParameter(name: string): Promise<{ value: string; type?: string }>;
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

export function describeTokenSource(s: TokenSource): string {
  if (s.kind === "env") return `$${s.name}`;
  if (s.kind === "ssm") return `SSM parameter ${s.name}`;
  return "the prompt";
}

/** Reads the token from its source, registers it with the redactor at once, and validates it. */
export async function obtainToken(source: TokenSource, serverType: string, tokens: TokenSources, io: Io, region?: string): Promise<string> {
  let raw: string | undefined;
  if (source.kind === "env") {
    raw = tokens.env(source.name);
    if (raw === undefined) {
      throw new HdocError("USAGE", `the environment variable ${source.name} (from --token-env) is not set`, `export ${source.name}=<token>, or use --token-ssm-parameter NAME; nothing was changed`);
    }
  } else if (source.kind === "ssm") {
    const p = await tokens.ssmParameter(source.name);
    io.redactor.add(p.value);
    io.redactor.add(p.value.trim());
    if (p.type !== "SecureString") throw plainParameter(source.name, p.type, region);
    raw = p.value;
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

/**
 * The refusal of a token parameter that is not a SecureString, with the commands that convert it in
 * place (the value goes through a pipe, never onto a command line or into a file).
 */
export function plainParameter(name: string, type: string | undefined, region?: string): HdocError {
  const r = region ? ` --region ${region}` : "";
  const convert = `aws ssm get-parameter${r} --name ${name} --query Parameter.Value --output text | tr -d '\\n' | aws ssm put-parameter${r} --name ${name} --type SecureString --overwrite --value file:///dev/stdin`;
  return new HdocError(
    "USAGE",
    `SSM parameter ${name} holds the token as a plain ${type ?? "String"}: anyone allowed ssm:GetParameter can read it; nothing was changed`,
    `make it a SecureString, then run this again: ${convert}`,
  );
}

/** Why a typed token would be refused (empty, or with whitespace inside), or true. */
export function tokenProblem(v: string): string | true {
  const t = v.trim();
  if (!t) return "the token must not be empty";
  if (/\s/.test(t)) return "a personal access token has no spaces: paste it again";
  return true;
}
