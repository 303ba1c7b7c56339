/**
 * The authorizer step of the local API Gateway, assembled for `hdoc dev`: the local issuer (its key
 * under `.hdoc/dev/`), the local credentials the functions get (AWS_IAM routes accept signatures
 * made with them), and a warning for every route whose authorizer hdoc cannot emulate.
 */
import path from "node:path";
import type { Route } from "../api/routes.ts";
import { authorize, type AuthOutcome } from "./authorizer.ts";
import { localIssuer } from "./issuer.ts";
import type { LocalCredentials, SignedRequest } from "./sigv4.ts";

import { LOCAL_CREDENTIALS } from "../local-aws.ts";

/** What `hdoc dev` puts in the functions' environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
export { LOCAL_CREDENTIALS };

/** The folder of the local issuer's key: `<repo>/.hdoc/dev`. */
export const issuerDir = (repoRoot: string) => path.join(repoRoot, ".hdoc", "dev");

export async function gatewayAuthorizer(o: { repoRoot: string; region: string; accountId: string; routes: Route[]; now: () => Date; warn: (line: string) => void }): Promise<(route: Route, req: SignedRequest) => Promise<AuthOutcome>> {
  const issuer = await localIssuer(issuerDir(o.repoRoot));
  const keys: LocalCredentials[] = [{ ...LOCAL_CREDENTIALS, arn: `arn:aws:sts::${o.accountId}:assumed-role/hdoc-dev-functions/local` }];
  for (const r of o.routes) {
    if (r.auth?.kind === "unsupported") o.warn(`${r.method} ${r.resource}: ${r.auth.why}; the route answers 500 (AuthorizerConfigurationException)`);
  }
  return (route, req) => authorize(route.auth, req, { issuer, keys, region: o.region, accountId: o.accountId, now: o.now });
}

/**
 * A function's environment value that is the deployed URL of one of the templates' Apis
 * (https://<Api>.execute-api.<region>.amazonaws.com/<stage>/...) points at the local API instead,
 * so backend components (the Statistics Parser) call the routes hdoc dev serves.
 */
export function localApiUrl(value: string, apiLogicalIds: Set<string>, localBase: string): string {
  const m = /^https:\/\/([A-Za-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\/.*)?$/.exec(value);
  return m && apiLogicalIds.has(m[1]!) ? `${localBase}${m[2] ?? ""}` : value;
}
