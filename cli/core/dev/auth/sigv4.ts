/**
 * Checks an AWS Signature Version 4 on a request as API Gateway does for an AWS_IAM route: the
 * `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request,
 * SignedHeaders=..., Signature=...` header, the `X-Amz-Date` within 15 minutes of now, a known
 * access key (and its session token when it has one), the scope's region and service, and the
 * signature recomputed over the method, path, query, signed headers and body. Answers who signed,
 * or why not, in API Gateway's own words.
 */
import { createHash } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** The principal these keys belong to (goes to requestContext.identity.userArn). */
  arn: string;
}

export interface SignedRequest {
  method: string;
  /** Path and query as sent: /dev/statistics?x=1 */
  url: string;
  /** Node's rawHeaders: name, value, name, value... */
  rawHeaders: string[];
  body: Buffer;
}

export type SigV4Result =
  | { ok: true; credentials: LocalCredentials }
  | { ok: false; message: string };

const MAX_SKEW_MS = 15 * 60 * 1000;
const mismatch: SigV4Result = { ok: false, message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method." };
const AUTH = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$/;

/** X-Amz-Date (20250724T101530Z) as a Date; undefined when malformed. */
export function amzDate(s: string | undefined): Date | undefined {
  const m = s ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s) : null;
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export async function verifySigV4(req: SignedRequest, o: { keys: LocalCredentials[]; region: string; service?: string; now: Date }): Promise<SigV4Result> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!.toLowerCase();
    headers.set(k, [...(headers.get(k) ?? []), req.rawHeaders[i + 1]!]);
  }
  const one = (k: string) => headers.get(k)?.join(",");
  const authorization = one("authorization");
  if (!authorization) return { ok: false, message: "Missing Authentication Token" };
  const m = AUTH.exec(authorization.trim());
  if (!m) return { ok: false, message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${authorization.split(/\s/)[0]}` };
  const [, keyId, day, region, service, signedList, signature] = m;
  const key = o.keys.find((k) => k.accessKeyId === keyId);
  if (!key) return { ok: false, message: "The security token included in the request is invalid." };
  if (region !== o.region || service !== (o.service ?? "execute-api")) return { ok: false, message: `Credential should be scoped to a valid region and service (${o.region}/${o.service ?? "execute-api"}), not ${region}/${service}.` };
  const when = amzDate(one("x-amz-date"));
  if (!when || when.toISOString().slice(0, 10).replace(/-/g, "") !== day) return { ok: false, message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP" };
  if (Math.abs(o.now.getTime() - when.getTime()) > MAX_SKEW_MS) return { ok: false, message: "Signature expired: the request's X-Amz-Date is more than 15 minutes from now" };
  const signed = signedList!.split(";");
  if (!signed.includes("host")) return { ok: false, message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." };
  if (key.sessionToken && one("x-amz-security-token") !== key.sessionToken) return { ok: false, message: "The security token included in the request is invalid." };

  const u = new URL(req.url, "http://local");
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of u.searchParams) query[k] = k in query ? [...([] as string[]).concat(query[k]!), v] : v;
  const toSign: Record<string, string> = {};
  for (const h of signed) {
    const v = one(h);
    if (v === undefined) return { ok: false, message: `The request signature we calculated does not match the signature you provided (signed header ${h} is missing).` };
    toSign[h] = v;
  }
  // The payload hash is the body's, whatever x-amz-content-sha256 claims (API Gateway takes no UNSIGNED-PAYLOAD).
  const bodyHash = createHash("sha256").update(req.body).digest("hex");
  if (toSign["x-amz-content-sha256"] !== undefined && toSign["x-amz-content-sha256"] !== bodyHash) return mismatch;
  const signer = new SignatureV4({
    // applyChecksum off: sign exactly the client's SignedHeaders (curl --aws-sigv4 does not send x-amz-content-sha256).
    service: service!, region: region!, sha256: Hash.bind(null, "sha256"), uriEscapePath: true, applyChecksum: false,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}) },
  });
  const host = toSign.host!;
  const [hostname, port] = host.split(":");
  const out = await signer.sign(
    { method: req.method, protocol: "http:", hostname: hostname!, port: port ? Number(port) : undefined, path: u.pathname, query, headers: toSign, body: req.body.length ? req.body : undefined },
    { signingDate: when },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(out.headers.authorization ?? out.headers.Authorization ?? ""))?.[1];
  if (expected !== signature) return mismatch;
  return { ok: true, credentials: key };
}
