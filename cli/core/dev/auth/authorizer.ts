/**
 * What API Gateway does before a route's function runs, for `hdoc dev`: the Cognito user pool
 * authorizer (the ID token in the configured header, raw or after `Bearer `, checked by the local
 * issuer; 401 `{"message":"Unauthorized"}` otherwise) and AWS_IAM (a SigV4 signature with the
 * local credentials hdoc gives the functions; 403 with API Gateway's message otherwise). A passed
 * check yields what the gateway adds to the proxy event: `requestContext.authorizer.claims`
 * (every value a string, `exp`/`iat` as dates, as API Gateway passes them) or the signer in
 * `requestContext.identity`.
 */
import type { RouteAuth } from "../../cfn/route-auth.ts";
import type { LocalIssuer } from "./issuer.ts";
import { verifySigV4, type LocalCredentials, type SignedRequest } from "./sigv4.ts";

export interface AuthDeps {
  issuer: LocalIssuer;
  /** Keys whose signatures AWS_IAM routes accept. */
  keys: LocalCredentials[];
  region: string;
  accountId: string;
  now(): Date;
}

export interface Denial {
  status: number;
  errorType: string;
  body: { message: string | null };
  /** For the request log: why, never the token itself. */
  why: string;
}

export type Granted = {
  authorizer?: { claims: Record<string, string> };
  identity?: { accessKey: string; accountId: string; caller: string; user: string; userArn: string };
};

export type AuthOutcome = ({ ok: true } & Granted) | ({ ok: false } & Denial);

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** "Wed Jul 24 11:12:10 UTC 2025": how API Gateway writes exp and iat into the claims. */
export function claimDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** The token's claims as API Gateway's Cognito authorizer hands them to the function: all strings. */
export function gatewayClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    if ((k === "exp" || k === "iat") && typeof v === "number") out[k] = claimDate(v);
    else if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else if (Array.isArray(v)) out[k] = `[${v.join(" ")}]`;
    else if (v !== null && v !== undefined) out[k] = JSON.stringify(v);
  }
  return out;
}

const header = (req: SignedRequest, name: string) => {
  const n = name.toLowerCase();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === n) return req.rawHeaders[i + 1]!;
  return undefined;
};

/**
 * API Gateway's message for an Authorization header without SigV4's parts quotes the header's first word
 * (the answer keeps it, as API Gateway's does). The request log shows that word only when it is a scheme
 * name (`Bearer`, `Basic`): a client that sends a bare token there would have it logged.
 */
export const loggedSigV4Message = (message: string): string =>
  message.replace(/Authorization=(\S*)$/, (all, word: string) => (/^[A-Za-z][A-Za-z0-9-]{0,31}$/.test(word) ? all : "Authorization=****"));

const unauthorized = (why: string): AuthOutcome => ({ ok: false, status: 401, errorType: "UnauthorizedException", body: { message: "Unauthorized" }, why });

export async function authorize(auth: RouteAuth | undefined, req: SignedRequest, deps: AuthDeps): Promise<AuthOutcome> {
  if (!auth || auth.kind === "public") return { ok: true };
  if (auth.kind === "unsupported") return { ok: false, status: 500, errorType: "AuthorizerConfigurationException", body: { message: null }, why: auth.why };
  if (auth.kind === "cognito") {
    const raw = header(req, auth.header)?.trim();
    if (!raw) return unauthorized(`no ${auth.header} header`);
    const token = raw.replace(/^Bearer\s+/i, "");
    const v = await deps.issuer.verify(token, deps.now());
    if (!v.ok) return unauthorized(`ID token rejected: ${v.why}`);
    return { ok: true, authorizer: { claims: gatewayClaims(v.claims) } };
  }
  const check = await verifySigV4(req, { keys: deps.keys, region: deps.region, now: deps.now() });
  if (!check.ok) {
    const errorType = check.message === "Missing Authentication Token" ? "MissingAuthenticationTokenException"
      : /security token/.test(check.message) ? "UnrecognizedClientException"
      : /requires 'Credential'/.test(check.message) ? "IncompleteSignatureException"
      : "InvalidSignatureException";
    return { ok: false, status: 403, errorType, body: { message: check.message }, why: `SigV4: ${loggedSigV4Message(check.message)}` };
  }
  const k = check.credentials;
  const caller = k.arn.split("/").slice(-2).join(":");
  return { ok: true, identity: { accessKey: k.accessKeyId, accountId: deps.accountId, caller, user: caller, userArn: k.arn } };
}
