import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, runHdoc, tempHome } from "../helpers/hdoc.ts";
import { COMMANDS } from "../../cli/commands/index.ts";

const h = tempHome();
afterAll(() => h.cleanup());

describe("hdoc program", () => {
  it("prints help listing every command group, with exit 0", async () => {
    const r = await runHdoc(["--help"], { home: h.home });
    expect(r.exitCode).toBe(0);
    for (const name of ["mfa", "codebuild", "pipeline", "build", "dev"]) expect(r.stdout).toContain(name);
    expect(r.stdout).toContain("Exit codes:");
  });

  it("prints the package version", async () => {
    const r = await runHdoc(["--version"], { home: h.home });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(COMMANDS.map((c) => [c.path.join(" ")]))("shows examples in `hdoc %s --help`", async (path) => {
    const r = await runHdoc([...path.split(" "), "--help"], { home: h.home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ hdoc /);
    // examples run hdoc from the PATH (README, "Running hdoc"): npx would fetch another package outside the repository
    expect(r.stdout).not.toMatch(/\bnpx hdoc\b/);
  });

  it("prints a group's help and exits 2 when its subcommand is missing", async () => {
    const r = await runHdoc(["mfa"], { home: h.home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("Usage: hdoc mfa");
  });

  it("rejects an unknown option with the usage exit code 2", async () => {
    const r = await runHdoc(["mfa", "status", "--no-such-flag"], { home: h.home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("keeps the AWS SDK out of what `hdoc --help` loads (only lazily imported chunks use it)", () => {
    const seen = new Set<string>();
    const eager: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      // static imports only: `import ... from "x"` / `import "x"` at statement level, not import("x")
      for (const m of text.matchAll(/(?:^|;|\n)\s*import\s*(?:[^"'()]*?from\s*)?["']([^"']+)["']/g)) {
        const spec = m[1]!;
        if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec));
        else eager.push(spec);
      }
    };
    visit(path.join(REPO_ROOT, "dist/cli/main.js"));
    // commander is bundled into main.js (see scripts/build-cli.mjs); the scan did follow its chunks
    expect(seen.size).toBeGreaterThan(1);
    expect(eager.filter((s) => s.startsWith("@aws-sdk") || s.startsWith("@smithy"))).toEqual([]);
  });
});

describe("output to a closed pipe", () => {
  it("ends quietly with exit 0 when the reader has gone away (hdoc --help | true)", async () => {
    const { execa } = await import("execa");
    const r = await execa("bash", ["-c", `node ${JSON.stringify(path.join(REPO_ROOT, "bin/hdoc.js"))} --help | true; echo "hdoc exit \${PIPESTATUS[0]}"`], { reject: false, env: { PATH: process.env.PATH ?? "", HOME: h.home }, extendEnv: false });
    expect(r.stdout.trim()).toBe("hdoc exit 0");
    expect(r.stderr).not.toContain("EPIPE");
  });
});

describe("a dist/ that is missing or older than bin/hdoc.js (a checkout updated without npm run build)", () => {
  it("says so in one line with the fix, exit 1, and a stack trace only with --verbose", async () => {
    const { execa } = await import("execa");
    const { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const copy = mkdtempSync(path.join(tmpdir(), "hdoc-stale-dist-"));
    try {
      cpSync(path.join(REPO_ROOT, "bin"), path.join(copy, "bin"), { recursive: true });
      mkdirSync(path.join(copy, "dist/cli"), { recursive: true });
      // an older build client (without commandOf), and no main.js at all
      writeFileSync(path.join(copy, "dist/cli/build-client.cjs"), "exports.buildViaServer = async () => ({ fallback: 'none' });\n");
      const run = (args: string[]) => execa("node", [path.join(copy, "bin/hdoc.js"), ...args], { reject: false, env: { PATH: process.env.PATH ?? "", HOME: h.home }, extendEnv: false });
      for (const args of [["build"], ["--help"]]) {
        const r = await run(args);
        expect(r.exitCode).toBe(1);
        const lines = r.stderr.trim().split("\n");
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(/^error: hdoc's built files in dist\/ are missing or do not match bin\/hdoc\.js \(.+\)$/);
        expect(lines[1]).toBe(`hint: run \`npm run build\` in ${copy}`);
      }
      const verbose = await run(["build", "--verbose"]);
      expect(verbose.exitCode).toBe(1);
      expect(verbose.stderr).toMatch(/\n\s+at /);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe("the AWS SDK's Node-version notice", () => {
  it("stays out of hdoc's output when a command loads the SDK", async () => {
    const { freePort } = await import("../helpers/net.ts");
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await runHdoc(["codebuild", "credentials", "--endpoint-url", closed], { home: h.home, env: { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE000000000", AWS_SECRET_ACCESS_KEY: "x".repeat(40) } });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/cannot reach the AWS endpoint/);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|a\.co\/c895JFp/);
  });
});

describe("Ctrl-C while hdoc waits on AWS", () => {
  it("prints 'interrupted', exits 130 and leaves the credentials file as it was", async () => {
    const { createServer } = await import("node:http");
    const { writeFileSync, readFileSync, readdirSync } = await import("node:fs");
    const { execa } = await import("execa");
    const hanging = createServer(() => {}); // accepts requests and never answers
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    const port = (hanging.address() as { port: number }).port;
    const before = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    writeFileSync(h.credentialsFile, before, { mode: 0o600 });
    try {
      const child = execa("node", [path.join(REPO_ROOT, "bin/hdoc.js"), "mfa", "login", "--token-code", "123456", "--endpoint-url", `http://127.0.0.1:${port}`], {
        env: { PATH: process.env.PATH ?? "", HOME: h.home }, extendEnv: false, reject: false,
      });
      await new Promise<void>((resolve) => hanging.once("request", () => resolve()));
      child.kill("SIGINT");
      const r = await child;
      expect(r.exitCode).toBe(130);
      expect(r.stderr).toContain("interrupted");
      expect(readFileSync(h.credentialsFile, "utf8")).toBe(before);
      expect(readdirSync(h.aws).sort()).toEqual(["credentials"]);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});
