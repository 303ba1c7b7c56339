// Packaging the repository's functions: hdoc (as `hdoc diff` runs it, so the built binary, the real S3
// adapter and the packaging code) against `aws cloudformation package` (the AWS CLI on the machine),
// from the same built template, to the same local S3 (moto server), side by side in one run.
//
// cold: a bucket that holds nothing (every zip and nested template uploaded); unchanged: the same
// bucket again (nothing to upload: hdoc checks each content-addressed key with HeadObject, the AWS
// CLI each MD5-named key). hdoc's packaging time is its own (from --json, the build check and the
// change set excluded); the AWS CLI's is its process time (Python start-up included, shown beside it:
// `aws --version`). Each figure is the median of RUNS runs; every cold run gets a fresh bucket.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HDOC = path.join(REPO, "bin/hdoc.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const KEYS = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (v) => (Number.isFinite(v) ? v.toFixed(0) : "n/a");

async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startMoto() {
  const port = await freePort();
  const proc = execa("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { reject: false, stdio: "ignore", env: { AWS_DEFAULT_REGION: "us-east-1" } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await globalThis.fetch(`${url}/moto-api/`)).ok) return { url, stop: async () => { proc.kill("SIGTERM"); await proc; } };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error("moto server did not start");
}

export default async function (report) {
  const moto = await startMoto();
  const home = mkdtempSync(path.join(tmpdir(), "hdoc-bench-deploy-"));
  try {
    mkdirSync(path.join(home, ".aws"));
    writeFileSync(path.join(home, ".aws/credentials"), `[mfa]\naws_access_key_id = ${KEYS.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${KEYS.AWS_SECRET_ACCESS_KEY}\n`);
    writeFileSync(path.join(home, ".aws/config"), "[default]\ns3 =\n  addressing_style = path\n");
    const buildDir = path.join(home, "build");
    const env = { PATH: process.env.PATH, HOME: home, NO_COLOR: "1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
    const s3 = new S3Client({ region: "us-east-1", endpoint: moto.url, forcePathStyle: true, credentials: { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY } });
    let n = 0;
    const bucket = async () => {
      const name = `bench-${++n}`;
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    };
    const objects = async (b) => ((await s3.send(new ListObjectsV2Command({ Bucket: b }))).Contents ?? []).length;

    const hdoc = async (b) => {
      const t = performance.now();
      const r = await execa("node", [HDOC, "diff", "--stage", "dev", "--s3-bucket", b, "--endpoint-url", moto.url, "--build-dir", buildDir, "--json"], { cwd: REPO, env, extendEnv: false, reject: false });
      const wall = performance.now() - t;
      if (r.exitCode !== 0) throw new Error(`hdoc diff failed: ${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      return { ms: doc.package.ms, wall, uploaded: doc.package.artifacts.uploaded + doc.package.templates.uploaded };
    };
    const aws = async (b) => {
      const t = performance.now();
      const r = await execa("aws", ["cloudformation", "package", "--template-file", path.join(buildDir, "template.yml"), "--s3-bucket", b, "--output-template-file", path.join(home, "aws-packaged.yml"), "--region", "us-east-1"], {
        env: { ...env, ...KEYS, AWS_CONFIG_FILE: path.join(home, ".aws/config"), AWS_ENDPOINT_URL_S3: moto.url }, extendEnv: false, reject: false,
      });
      const wall = performance.now() - t;
      if (r.exitCode !== 0) throw new Error(`aws cloudformation package failed: ${r.stderr}`);
      return { ms: wall, wall };
    };

    // the build both package from (hdoc diff builds it; the warm-up run also warms the file cache)
    await hdoc(await bucket());
    await aws(await bucket());

    const rows = [];
    for (const [tool, run] of [["hdoc (packaging in hdoc diff)", hdoc], ["aws cloudformation package", aws]]) {
      const cold = [], warm = [], coldWall = [], warmWall = [];
      let coldUploads = 0, warmUploads = 0;
      for (let i = 0; i < RUNS; i++) {
        const b = await bucket();
        const c = await run(b);
        coldUploads = await objects(b);
        const w = await run(b);
        warmUploads = (await objects(b)) - coldUploads;
        cold.push(c.ms); coldWall.push(c.wall); warm.push(w.ms); warmWall.push(w.wall);
      }
      rows.push({ tool, case: "cold (empty bucket)", "objects uploaded": coldUploads, "packaging ms": ms(median(cold)), "process wall ms": ms(median(coldWall)) });
      rows.push({ tool, case: "unchanged (same bucket)", "objects uploaded": warmUploads, "packaging ms": ms(median(warm)), "process wall ms": ms(median(warmWall)) });
    }
    const awsVersion = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await execa("aws", ["--version"], { env, extendEnv: false });
      awsVersion.push(performance.now() - t);
    }
    rows.push({ tool: "aws --version (Python start-up)", case: "-", "objects uploaded": "-", "packaging ms": "-", "process wall ms": ms(median(awsVersion)) });
    report(`Packaging the backend's functions and nested templates to local S3 (moto), median of ${RUNS}`, rows);
    console.log("hdoc's process wall time is the whole `hdoc diff` (build check, packaging, change set create/describe/delete on moto);");
    console.log("its packaging ms is the packaging step alone. The AWS CLI's packaging ms is its whole process.");
  } finally {
    await moto.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
