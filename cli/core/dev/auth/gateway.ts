/**
 * The authorizer step of the local API Gateway, assembled for `hdoc dev`: the local issuer (its key
 * under `.hdoc/dev/`), the local credentials the functions get (AWS_IAM routes accept signatures
 * made with them). Loaded on the first request that needs it (jose and the SigV4 code are not
 * needed before).
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

export async function gatewayAuthorizer(o: { repoRoot: string; region: string; accountId: string; now: () => Date }): Promise<(route: Route, req: SignedRequest) => Promise<AuthOutcome>> {
  const issuer = await localIssuer(issuerDir(o.repoRoot));
  const keys: LocalCredentials[] = [{ ...LOCAL_CREDENTIALS, arn: `arn:aws:sts::${o.accountId}:assumed-role/hdoc-dev-functions/local` }];
  return (route, req) => authorize(route.auth, req, { issuer, keys, region: o.region, accountId: o.accountId, now: o.now });
}

/** Where a deployed Api URL in a function's environment points locally (api/local-url.ts). */
export { localApiUrl } from "../api/local-url.ts";
