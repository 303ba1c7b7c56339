import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importJWK, SignJWT, decodeJwt, decodeProtectedHeader } from "jose";
import { IssuerKeyError, KEY_FILE, LOCAL_CLIENT_ID, LOCAL_ISSUER, localIssuer, localSub } from "./issuer.ts";

const root = mkdtempSync(path.join(tmpdir(), "hdoc-issuer-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => path.join(root, `d${n++}`, ".hdoc", "dev");
const NOW = new Date("2026-03-01T12:00:00Z");
const at = (s: number) => new Date(NOW.getTime() + s * 1000);

describe("local issuer", () => {
  it("issues an ID token shaped as Cognito's, which it accepts", async () => {
    const issuer = await localIssuer(dir());
    const token = await issuer.issue({ githubUsername: "Octocat", email: "o@example.com", name: "The Octocat", expiresIn: 3600, now: NOW });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", kid: expect.any(String) });
    expect(decodeJwt(token)).toMatchObject({
      sub: localSub("octocat"), "cognito:username": localSub("octocat"), token_use: "id", iss: LOCAL_ISSUER, aud: LOCAL_CLIENT_ID,
      email: "o@example.com", email_verified: true, name: "The Octocat", "custom:github_username": "Octocat", iat: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 3600, auth_time: NOW.getTime() / 1000,
    });
    expect(await issuer.verify(token, at(3599))).toMatchObject({ ok: true, claims: { "custom:github_username": "Octocat" } });
  });

  it("gives the same GitHub name the same sub, whatever its case, and another name another sub", () => {
    expect(localSub("Octocat")).toBe(localSub("octocat"));
    expect(localSub("octocat")).not.toBe(localSub("ada"));
    expect(localSub("ada")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("keeps the key pair in .hdoc/dev/issuer-key.json, readable by the owner only, across restarts", async () => {
    const d = dir();
    const first = await localIssuer(d);
    const token = await first.issue({ githubUsername: "ada", expiresIn: 60, now: NOW });
    expect(first.keyFile).toBe(path.join(d, KEY_FILE));
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
    const again = await localIssuer(d);
    expect((await again.verify(token, NOW)).ok).toBe(true);
  });

  it("agrees on one key when several start at once (first writer wins), leaving no temp file", async () => {
    const d = dir();
    const issuers = await Promise.all(Array.from({ length: 3 }, () => localIssuer(d)));
    const token = await issuers[0]!.issue({ githubUsername: "grace", expiresIn: 60, now: NOW });
    for (const i of issuers) expect((await i.verify(token, NOW)).ok).toBe(true);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(d)).toEqual([KEY_FILE]);
  });

  it("refuses a key file that is not one, naming it", async () => {
    const d = dir();
    await localIssuer(d);
    writeFileSync(path.join(d, KEY_FILE), "{\"kid\": 1}");
    await expect(localIssuer(d)).rejects.toBeInstanceOf(IssuerKeyError);
    await expect(localIssuer(d)).rejects.toThrow(KEY_FILE);
  });

  describe("rejects", async () => {
    const d = dir();
    const issuer = await localIssuer(d);
    const other = await localIssuer(dir());
    const key = JSON.parse(readFileSync(path.join(d, KEY_FILE), "utf8"));
    const priv = await importJWK(key.privateJwk, "RS256");
    const good = await issuer.issue({ githubUsername: "octocat", expiresIn: 3600, now: NOW });
    const craft = (claims: Record<string, unknown>, o: { iss?: string; aud?: string; exp?: number; alg?: string } = {}) =>
      new SignJWT({ sub: "s", token_use: "id", ...claims })
        .setProtectedHeader({ alg: o.alg ?? "RS256", kid: key.kid })
        .setIssuer(o.iss ?? LOCAL_ISSUER)
        .setAudience(o.aud ?? LOCAL_CLIENT_ID)
        .setIssuedAt(NOW.getTime() / 1000)
        .setExpirationTime(o.exp ?? NOW.getTime() / 1000 + 60)
        .sign(priv);
    const [head, body, sig] = good.split(".");
    const tamperedBody = Buffer.from(JSON.stringify({ ...decodeJwt(good), "custom:github_username": "admin" })).toString("base64url");
    it.each<[string, () => Promise<string>, Date, RegExp]>([
      ["an expired token", async () => good, at(3600), /expired/],
      ["a tampered payload", async () => `${head}.${tamperedBody}.${sig}`, NOW, /signature/],
      ["a token from another issuer key", () => other.issue({ githubUsername: "octocat", expiresIn: 60, now: NOW }), NOW, /signature|another key/],
      ["another iss", () => craft({}, { iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other0000" }), NOW, /claim iss/],
      ["another aud", () => craft({}, { aud: "someotherclient" }), NOW, /claim aud/],
      ["an access token (token_use: access)", () => craft({ token_use: "access" }), NOW, /token_use/],
      ["alg none", async () => `${Buffer.from('{"alg":"none"}').toString("base64url")}.${body}.`, NOW, /not a valid JWT/],
      ["not a JWT", async () => "hello", NOW, /not a valid JWT/],
    ])("%s", async (_what, token, when, why) => {
      const v = await issuer.verify(await token(), when);
      expect(v.ok).toBe(false);
      expect(v.ok ? "" : v.why).toMatch(why);
    });
  });
});
