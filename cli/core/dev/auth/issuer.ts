/**
 * The local stand-in for the Cognito user pool in `hdoc dev`: an RS256 key pair kept in
 * `.hdoc/dev/issuer-key.json` (0600, created once: two processes starting at the same time agree on
 * one key), ID tokens shaped as Cognito issues them (`token_use: id`, `cognito:username`,
 * `custom:github_username`, `email`, `auth_time`...), and the checks API Gateway's Cognito
 * authorizer makes: signature, `exp`, `iss`, `aud`, `token_use`.
 */
import { createHash, randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, errors as joseErrors, type JWK } from "jose";

export const LOCAL_USER_POOL_ID = "us-east-1_HdocLocal";
export const LOCAL_ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${LOCAL_USER_POOL_ID}`;
export const LOCAL_CLIENT_ID = "hdoclocaldevclient00000000";
export const KEY_FILE = "issuer-key.json";

export interface IdentityInput {
  githubUsername: string;
  email?: string;
  name?: string;
  /** Seconds the token is valid. */
  expiresIn: number;
  now: Date;
}

export type Verified = { ok: true; claims: Record<string, unknown> } | { ok: false; why: string };

export interface LocalIssuer {
  keyFile: string;
  issue(input: IdentityInput): Promise<string>;
  verify(token: string, now: Date): Promise<Verified>;
}

/** The account id a local user always gets (the same name -> the same sub, so signing up twice is idempotent). */
export function localSub(githubUsername: string): string {
  const h = createHash("sha256").update(`hdoc-dev:${githubUsername.toLowerCase()}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface KeyDoc {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

async function readKey(file: string): Promise<KeyDoc | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const doc = JSON.parse(text) as KeyDoc;
  if (typeof doc?.kid !== "string" || typeof doc.privateJwk?.d !== "string" || typeof doc.publicJwk?.n !== "string") throw new Error(`${file} is not an hdoc dev issuer key`);
  return doc;
}

/** Loads the key pair, creating it on first use (link(2) of a complete temp file: the first writer wins). */
async function keyPair(dir: string): Promise<KeyDoc & { file: string }> {
  const file = path.join(dir, KEY_FILE);
  const existing = await readKey(file).catch((e: Error) => {
    throw new IssuerKeyError(file, e.message);
  });
  if (existing) return { ...existing, file };
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
  const kid = randomUUID();
  const doc: KeyDoc = { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" }, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
  const tmp = path.join(dir, `.${KEY_FILE}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  try {
    const h = await fs.open(tmp, "wx", 0o600);
    try {
      await h.writeFile(`${JSON.stringify(doc, null, 2)}\n`);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.link(tmp, file).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e; // another process made it first: use theirs
    });
  } finally {
    await fs.rm(tmp, { force: true });
  }
  const winner = await readKey(file);
  if (!winner) throw new IssuerKeyError(file, "it vanished while being created");
  return { ...winner, file };
}

export class IssuerKeyError extends Error {
  constructor(readonly file: string, why: string) {
    super(`the local token issuer's key ${file} cannot be used: ${why}`);
  }
}

export async function localIssuer(dir: string): Promise<LocalIssuer> {
  const key = await keyPair(dir);
  const privateKey = await importJWK(key.privateJwk, "RS256");
  const publicKey = await importJWK(key.publicJwk, "RS256");
  return {
    keyFile: key.file,
    async issue(i) {
      const sub = localSub(i.githubUsername);
      const iat = Math.floor(i.now.getTime() / 1000);
      const claims: Record<string, unknown> = {
        sub,
        email_verified: true,
        "cognito:username": sub,
        origin_jti: randomUUID(),
        event_id: randomUUID(),
        token_use: "id",
        auth_time: iat,
        email: i.email ?? `${i.githubUsername.toLowerCase()}@example.com`,
        "custom:github_username": i.githubUsername,
        jti: randomUUID(),
      };
      if (i.name) claims.name = i.name;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: key.kid })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_CLIENT_ID)
        .setIssuedAt(iat)
        .setExpirationTime(iat + i.expiresIn)
        .sign(privateKey);
    },
    async verify(token, now) {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, publicKey, {
          algorithms: ["RS256"],
          issuer: LOCAL_ISSUER,
          audience: LOCAL_CLIENT_ID,
          requiredClaims: ["exp", "iat", "sub", "token_use"],
          currentDate: now,
          clockTolerance: 0,
        });
        if (protectedHeader.kid !== key.kid) return { ok: false, why: "signed with another key" };
        if (payload.token_use !== "id") return { ok: false, why: `token_use is ${JSON.stringify(payload.token_use)}, not "id"` };
        return { ok: true, claims: payload as Record<string, unknown> };
      } catch (e) {
        if (e instanceof joseErrors.JWTExpired) return { ok: false, why: "expired" };
        if (e instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, why: "bad signature" };
        if (e instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, why: `claim ${e.claim} is not valid` };
        return { ok: false, why: "not a valid JWT" };
      }
    },
  };
}
