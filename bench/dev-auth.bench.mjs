// The authorizer step `hdoc dev` adds in front of a protected route, measured in-process on the real
// modules (bundled with esbuild): the Cognito check of an ID token (RS256 signature, exp, iss, aud,
// token_use) and the claims handed to the function, a rejected (tampered) token, and the AWS_IAM
// check of a SigV4-signed POST. Per check, after a warm-up; the key pair is made once, as hdoc dev does.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const N = Number(process.env.BENCH_AUTH_N ?? 2000);

export default async function (report) {
  const dir = await mkdtemp(path.join(tmpdir(), "hdoc-bench-auth-"));
  try {
    const entry = path.join(dir, "entry.ts");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(entry, [
      `export { authorize } from ${JSON.stringify(path.join(ROOT, "cli/core/dev/auth/authorizer.ts"))};`,
      `export { localIssuer } from ${JSON.stringify(path.join(ROOT, "cli/core/dev/auth/issuer.ts"))};`,
      `export { SignatureV4 } from "@smithy/signature-v4";`,
      `export { Hash } from "@smithy/hash-node";`,
    ].join("\n"));
    const out = path.join(dir, "auth.mjs");
    await build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", outfile: out, logLevel: "silent", nodePaths: [path.join(ROOT, "node_modules")] });
    const m = await import(pathToFileURL(out).href);
    const started = performance.now();
    const issuer = await m.localIssuer(path.join(dir, "keys"));
    const keyMs = performance.now() - started;
    const now = () => new Date();
    const keys = [{ accessKeyId: "local", secretAccessKey: "local", arn: "arn:aws:sts::123456789012:assumed-role/hdoc-dev-functions/local" }];
    const deps = { issuer, keys, region: "us-east-1", accountId: "123456789012", now };
    const token = await issuer.issue({ githubUsername: "octocat", expiresIn: 3600, now: new Date() });
    const [h, b, s] = token.split(".");
    const tampered = `${h}.${b}.${s.slice(0, -4)}AAAA`;
    const cognito = { kind: "cognito", authorizer: "CognitoAuthorizer", header: "Authorization", userPoolArn: "arn" };
    const req = (t) => ({ method: "POST", url: "/users/octocat/articles", rawHeaders: ["Authorization", t], body: Buffer.from("{}") });
    const body = JSON.stringify({ statistics: [{ github_username: "octocat", stat_id: "journey_days", value: 3 }] });
    const signer = new m.SignatureV4({ service: "execute-api", region: "us-east-1", sha256: m.Hash.bind(null, "sha256"), uriEscapePath: true, credentials: keys[0] });
    const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: "127.0.0.1", port: 3000, path: "/dev/statistics", query: {}, headers: { host: "127.0.0.1:3000", "content-type": "application/json" }, body });
    const iamReq = { method: "POST", url: "/dev/statistics", rawHeaders: Object.entries(signed.headers).flat(), body: Buffer.from(body) };

    const time = async (name, fn, expectOk) => {
      for (let i = 0; i < 200; i++) await fn();
      const t0 = performance.now();
      for (let i = 0; i < N; i++) {
        const r = await fn();
        if (r.ok !== expectOk) throw new Error(`${name}: unexpected outcome ${JSON.stringify(r)}`);
      }
      return { check: name, runs: N, "µs per check": ((performance.now() - t0) * 1000 / N).toFixed(0) };
    };
    report(`hdoc dev authorizer step (in-process; key pair made in ${keyMs.toFixed(0)} ms, once)`, [
      await time("Cognito: valid ID token -> claims", () => m.authorize(cognito, req(token), deps), true),
      await time("Cognito: tampered signature -> 401", () => m.authorize(cognito, req(tampered), deps), false),
      await time("AWS_IAM: SigV4-signed POST -> identity", () => m.authorize({ kind: "iam" }, iamReq, deps), true),
      await time("public route (no check)", () => m.authorize({ kind: "public" }, req(""), deps), true),
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
