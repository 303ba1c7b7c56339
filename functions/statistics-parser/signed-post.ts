/**
 * POST to an AWS_IAM route of the backend's own API, signed with SigV4 (service execute-api) with
 * the function's credentials, as API Gateway verifies it.
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider } from "@smithy/types";

export interface SignedPostOptions {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => Date;
}

export type PostJson = (url: string, body: unknown) => Promise<{ status: number; text: string }>;

export function signedPost(o: SignedPostOptions): PostJson {
  const signer = new SignatureV4({ service: "execute-api", region: o.region, credentials: o.credentials, sha256: Hash.bind(null, "sha256"), uriEscapePath: true });
  const doFetch = o.fetch ?? fetch;
  return async (target, doc) => {
    const url = new URL(target);
    const body = JSON.stringify(doc);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await signer.sign(
      {
        method: "POST",
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query,
        headers: { host: url.host, "content-type": "application/json" },
        body,
      },
      o.now ? { signingDate: o.now() } : {},
    );
    const res = await doFetch(url, { method: "POST", headers: signed.headers, body, signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
    return { status: res.status, text: await res.text() };
  };
}
