/**
 * The CLI speaks one language: every command fails with one JSON document under --json, usage
 * mistakes get hdoc's error/hint with a suggestion, and every --help lists the global options.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHdoc, tempHome } from "../helpers/hdoc.ts";
import { freePort } from "../helpers/net.ts";
import { COMMANDS } from "../../cli/commands/index.ts";

const h = tempHome();
afterAll(() => h.cleanup());
let closed = "";
beforeAll(async () => {
  closed = `http://127.0.0.1:${await freePort()}`;
});

const keys = { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE000000000", AWS_SECRET_ACCESS_KEY: "x".repeat(40) };

/** A failure each command reaches without AWS (or against a closed port), and its exit code. */
const FAILURES: Record<string, { args: () => string[]; exitCode: number; env?: Record<string, string> }> = {
  "mfa login": { args: () => ["mfa", "login", "--duration", "1s"], exitCode: 2 },
  "mfa status": { args: () => ["mfa", "status"], exitCode: 9 },
  "mfa exec": { args: () => ["mfa", "exec"], exitCode: 2 },
  "codebuild credentials": { args: () => ["codebuild", "credentials", "--endpoint-url", closed], exitCode: 5, env: keys },
  "codebuild reset-credentials": { args: () => ["codebuild", "reset-credentials", "--server-type", "NOPE"], exitCode: 2 },
  "pipeline deploy": { args: () => ["pipeline", "deploy", "--stage", "prdo"], exitCode: 2 },
  "pipeline diff": { args: () => ["pipeline", "diff", "--stage", "prdo"], exitCode: 2 },
  "pipeline connection": { args: () => ["pipeline", "connection", "--stage", "prdo"], exitCode: 2 },
  "pipeline status": { args: () => ["pipeline", "status", "--stage", "prdo"], exitCode: 2 },
  build: { args: () => ["build", "--template", "no-such-template.yml"], exitCode: 6 },
  dev: { args: () => ["dev", "--port", "99999"], exitCode: 2 },
  "dev token": { args: () => ["dev", "token", "octocat", "--expires-in", "2d"], exitCode: 2 },
  deploy: { args: () => ["deploy", "--stage", "prdo"], exitCode: 2 },
  diff: { args: () => ["diff", "--stage", "prdo"], exitCode: 2 },
  doctor: { args: () => ["doctor", "--profile", "no-such-profile"], exitCode: 9 },
  invoke: { args: () => ["invoke", "NoSuchFunction"], exitCode: 6 },
  completion: { args: () => ["completion", "tcsh"], exitCode: 2 },
};

describe("--json on a failure: exactly one document on stdout, for every command", () => {
  it("has a forced-failure case for every command in the registry (add one for a new command)", () => {
    expect(COMMANDS.map((c) => c.path.join(" ")).filter((p) => !(p in FAILURES))).toEqual([]);
  });

  it.each(Object.entries(FAILURES))("hdoc %s --json", async (_name, f) => {
    const r = await runHdoc([...f.args(), "--json"], { home: h.home, ...(f.env ? { env: f.env } : {}) });
    expect(r.exitCode, r.stderr).toBe(f.exitCode);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; exitCode: number; message: string; hint: string | null } };
    expect(doc.ok).toBe(false);
    expect(doc.error.exitCode).toBe(f.exitCode);
    expect(doc.error.message.length).toBeGreaterThan(0);
    expect(r.stderr).toContain(`error: ${doc.error.message}`);
  });
});

describe("usage mistakes: hdoc's error and hint, with a suggestion", () => {
  it.each([
    [["mfa", "logn"], /^error: unknown command 'logn'$/m, /^hint: did you mean login\? \(`hdoc mfa --help` lists what there is\)$/m],
    [["pipline", "status"], /^error: unknown command 'pipline'$/m, /^hint: did you mean pipeline\?/m],
    [["mfa", "login", "--token", "123456"], /^error: unknown option '--token'$/m, /^hint: did you mean --token-code\?/m],
    [["pipeline", "status", "--stage", "prdo"], /^error: --stage must be one of dev, staging, prod, got "prdo"$/m, /^hint: did you mean 'prod'\?$/m],
    [["codebuild", "credentials", "--region", "mars-1"], /^error: "mars-1" \(from --region\) is not an AWS region/m, /^hint: fix --region/m],
  ])("hdoc %j", async (args, message, hint) => {
    const r = await runHdoc(args, { home: h.home, env: keys });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(hint);
    expect(r.stderr).not.toMatch(/run with --help for usage|\(Did you mean/);
    expect(r.stdout).toBe("");
  });

  it("refuses a misspelled key of hdoc.config.json with a suggestion (the same rule as the flag)", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const path = await import("node:path");
    const dir = mkdtempSync(path.join(h.home, "proj-"));
    writeFileSync(path.join(dir, "hdoc.config.json"), '{ "regoin": "us-east-1" }\n');
    const r = await runHdoc(["mfa", "status"], { home: h.home, cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: .*hdoc\.config\.json: unknown setting "regoin"$/m);
    expect(r.stderr).toMatch(/^hint: did you mean 'region'\?/m);
    writeFileSync(path.join(dir, "hdoc.config.json"), '{ "region": "mars-1" }\n');
    const bad = await runHdoc(["mfa", "status"], { home: h.home, cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/"region" must be an AWS region such as us-east-1, got "mars-1"/);
  });
});

describe("--help of every command", () => {
  it.each(COMMANDS.map((c) => [c.path.join(" ")]))("hdoc %s --help: own options, then the global ones, then examples; no '(default: false)'", async (p) => {
    const r = await runHdoc([...p.split(" "), "--help"], { home: h.home });
    expect(r.exitCode).toBe(0);
    const own = r.stdout.indexOf("\nOptions:");
    const global = r.stdout.indexOf("\nGlobal Options:");
    const examples = r.stdout.indexOf("\nExamples:");
    expect(own).toBeGreaterThan(-1);
    expect(global).toBeGreaterThan(own);
    expect(examples).toBeGreaterThan(global);
    for (const flag of ["--json", "--region", "--endpoint-url", "--profile", "--verbose", "--yes"]) expect(r.stdout.slice(global, examples)).toContain(flag);
    expect(r.stdout).not.toContain("(default: false)");
  });
});

describe("--verbose stack traces", () => {
  it("point into cli/...ts through the shipped source maps, not into bundled chunks", async () => {
    const { writeFileSync } = await import("node:fs");
    // a credentials file that is a folder makes reading it fail unexpectedly deep inside the core
    const home = tempHome();
    try {
      writeFileSync(home.configFile, "[profile x]\nregion = us-east-1\n");
      const r = await runHdoc(["mfa", "status", "--verbose"], { home: home.home, env: { AWS_SHARED_CREDENTIALS_FILE: home.aws } });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/cli\/[\w/-]+\.ts:\d+/);
      expect(r.stderr).not.toMatch(/dist\/cli\/chunks\/[\w-]+\.js:\d+/);
    } finally {
      home.cleanup();
    }
  });
});
