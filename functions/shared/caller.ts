/**
 * Who is calling, as API Gateway tells the function: the Cognito authorizer puts the ID token's
 * claims in `requestContext.authorizer.claims` (every value a string), and an AWS_IAM route puts the
 * signer in `requestContext.identity` (`userArn`, `accessKey`). The gateway has already checked the
 * token or the signature; these checks are the second lock, for a route deployed without its
 * authorizer by mistake.
 */
import { HttpError, type Request } from "./http.ts";
import { githubUsername, ValidationError } from "./validation.ts";

export const unauthorized = () => new HttpError(401, "UNAUTHORIZED", "this route needs a signed-in user (an ID token in the Authorization header)");
export const forbidden = (message: string) => new HttpError(403, "FORBIDDEN", message);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function requestContext(req: Request): Record<string, unknown> {
  const e = req.event;
  return isObj(e) && isObj(e.requestContext) ? e.requestContext : {};
}

/** The claims of the caller's ID token; 401 when the request carries none. */
export function claims(req: Request): Record<string, string> {
  const authorizer = requestContext(req).authorizer;
  const c = isObj(authorizer) && isObj(authorizer.claims) ? authorizer.claims : undefined;
  if (!c) throw unauthorized();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) if (typeof v === "string") out[k] = v;
  if (out.token_use !== undefined && out.token_use !== "id") throw unauthorized();
  return out;
}

export interface Member {
  /** The account's immutable id (Cognito `sub`). */
  sub: string;
  /** `custom:github_username`, lower case. */
  githubUsername: string;
  email?: string;
  name?: string;
}

/** The signed-in member: `sub` and a valid `custom:github_username` are required (403 otherwise). */
export function member(req: Request): Member {
  const c = claims(req);
  if (!c.sub) throw unauthorized();
  let username: string;
  try {
    username = githubUsername(c["custom:github_username"], "custom:github_username");
  } catch (e) {
    if (e instanceof ValidationError) throw forbidden("the account has no valid GitHub username (custom:github_username)");
    throw e;
  }
  return { sub: c.sub, githubUsername: username, email: c.email, name: c.name };
}

/** The IAM principal that signed the request (AWS_IAM routes); 403 when the request was not signed. */
export function iamCaller(req: Request): string {
  const identity = requestContext(req).identity;
  const arn = isObj(identity) ? identity.userArn : undefined;
  if (typeof arn !== "string" || !arn.startsWith("arn:")) throw forbidden("this route is for the backend's own components (a SigV4-signed request)");
  return arn;
}
