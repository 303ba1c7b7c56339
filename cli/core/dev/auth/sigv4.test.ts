import { describe, expect, it } from "vitest";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";
import { amzDate, verifySigV4, type LocalCredentials } from "./sigv4.ts";

const KEY: LocalCredentials = { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret", arn: "arn:aws:iam::123456789012:user/hdoc-dev" };
const SESSION: LocalCredentials = { accessKeyId: "ASIALOCAL", secretAccessKey: "s2", sessionToken: "tok", arn: "arn:aws:sts::123456789012:assumed-role/r/s" };
const NOW = new Date("2026-03-01T12:00:00Z");

/** Signs a request the way the AWS SDK (and the Statistics Parser) does, and gives it as Node would receive it. */
async function signed(o: { key?: LocalCredentials; region?: string; service?: string; date?: Date; path?: string; query?: Record<string, string>; body?: string; contentHashHeader?: boolean } = {}) {
  const k = o.key ?? KEY;
  const signer = new SignatureV4({ service: o.service ?? "execute-api", region: o.region ?? "us-east-1", sha256: Hash.bind(null, "sha256"), uriEscapePath: true, applyChecksum: o.contentHashHeader ?? true, credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey, sessionToken: k.sessionToken } });
  const body = o.body ?? '{"statistics":[]}';
  const req = await signer.sign({ method: "POST", protocol: "http:", hostname: "127.0.0.1", port: 3000, path: o.path ?? "/dev/statistics", query: o.query ?? {}, headers: { host: "127.0.0.1:3000", "content-type": "application/json" }, body }, { signingDate: o.date ?? NOW });
  const qs = new URLSearchParams(o.query ?? {}).toString();
  return { method: "POST", url: `${o.path ?? "/dev/statistics"}${qs ? `?${qs}` : ""}`, rawHeaders: Object.entries(req.headers).flat(), body: Buffer.from(body) };
}
const verify = (r: Awaited<ReturnType<typeof signed>>, now = NOW) => verifySigV4(r, { keys: [KEY, SESSION], region: "us-east-1", now });

describe("verifySigV4 (API Gateway's AWS_IAM check)", () => {
  it("accepts a request signed with a known key, and names the signer", async () => {
    expect(await verify(await signed())).toEqual({ ok: true, credentials: KEY });
    expect(await verify(await signed({ key: SESSION }))).toEqual({ ok: true, credentials: SESSION });
    // as curl --aws-sigv4 signs: SignedHeaders=content-type;host;x-amz-date, no x-amz-content-sha256
    expect(await verify(await signed({ contentHashHeader: false }))).toEqual({ ok: true, credentials: KEY });
    expect((await verify(await signed({ query: { b: "2", a: "1 x" } }))).ok).toBe(true);
    expect((await verify(await signed({ date: new Date(NOW.getTime() - 14 * 60_000) }))).ok).toBe(true);
  });

  const tamper = (r: Awaited<ReturnType<typeof signed>>, f: (x: typeof r) => void) => (f(r), r);
  it.each<[string, () => Promise<Awaited<ReturnType<typeof signed>>>, RegExp]>([
    ["no Authorization header", async () => tamper(await signed(), (r) => (r.rawHeaders = r.rawHeaders.filter((_, i, a) => a[i - (i % 2)] !== "authorization"))), /^Missing Authentication Token$/],
    ["a malformed Authorization header", async () => tamper(await signed(), (r) => (r.rawHeaders[r.rawHeaders.indexOf("authorization") + 1] = "AWS4-HMAC-SHA256 Signature=abc")), /requires 'Credential'/],
    ["an unknown access key", async () => signed({ key: { ...KEY, accessKeyId: "AKIDOTHER" } }), /security token included in the request is invalid/],
    ["the wrong secret key", async () => signed({ key: { ...KEY, secretAccessKey: "nope" } }), /signature we calculated does not match/],
    ["a missing session token", async () => tamper(await signed({ key: SESSION }), (r) => (r.rawHeaders[r.rawHeaders.indexOf("x-amz-security-token") + 1] = "other")), /security token/],
    ["another region in the scope", async () => signed({ region: "eu-west-1" }), /scoped to a valid region and service/],
    ["another service in the scope", async () => signed({ service: "s3" }), /scoped to a valid region and service/],
    ["a date 16 minutes old", async () => signed({ date: new Date(NOW.getTime() - 16 * 60_000) }), /Signature expired/],
    ["a changed body", async () => tamper(await signed(), (r) => (r.body = Buffer.from('{"statistics":[1]}'))), /does not match/],
    ["a changed path", async () => tamper(await signed(), (r) => (r.url = "/dev/other")), /does not match/],
    ["a changed query", async () => tamper(await signed({ query: { a: "1" } }), (r) => (r.url = "/dev/statistics?a=2")), /does not match/],
  ])("refuses %s", async (_what, make, message) => {
    const out = await verify(await make());
    expect(out.ok).toBe(false);
    expect(out.ok ? "" : out.message).toMatch(message);
  });

  it.each([["20260301T120000Z", "2026-03-01T12:00:00.000Z"], ["2026-03-01T12:00:00Z", undefined], ["20261301T120000Z", undefined], [undefined, undefined]])("amzDate(%j) = %j", (s, iso) => {
    const d = amzDate(s);
    expect(d && !Number.isNaN(d.getTime()) && d.getUTCMonth() === Number(s?.slice(4, 6)) - 1 ? d.toISOString() : undefined).toBe(iso);
  });
});
