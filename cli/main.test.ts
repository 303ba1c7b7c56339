import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { cli } from "./main.ts";
import { HdocError } from "./errors.ts";
import type { Context } from "./context.ts";
import type { CommandDef } from "./commands/command.ts";

function sink() {
  let text = "";
  const stream = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } }) as Writable & { isTTY?: boolean };
  return { stream, text: () => text };
}

async function run(argv: string[], def: CommandDef, env: NodeJS.ProcessEnv = {}) {
  const out = sink(), err = sink();
  const code = await cli(["node", "hdoc", ...argv], {
    env, cwd: "/", stdout: out.stream, stderr: err.stream, stdinIsTTY: false, commands: [def],
    prompts: { confirm: async () => true, input: async () => "", password: async () => "" },
  });
  return { code, out: out.text(), err: err.text() };
}

describe("argv -> options", () => {
  let seen: { opts: Record<string, unknown>; ctx: Context } | undefined;
  const probe: CommandDef = {
    path: ["grp", "probe"], summary: "probe", examples: ["hdoc grp probe"],
    configure: (c) => c.option("--stage <s>", "stage"),
    async run(opts, ctx) { seen = { opts, ctx }; return 0; },
  };

  it.each([
    [["grp", "probe"], { json: false, yes: false, verbose: false, color: true }, {}],
    [["--json", "grp", "probe", "--stage", "dev"], { json: true }, { stage: "dev" }],
    [["grp", "probe", "--profile", "p1", "--region", "eu-west-1", "--yes", "--verbose", "--no-color"], { profile: "p1", region: "eu-west-1", yes: true, verbose: true, color: false }, {}],
    [["grp", "probe", "--endpoint-url", "http://127.0.0.1:9"], { endpointUrl: "http://127.0.0.1:9" }, {}],
  ])("parses %j", async (argv, global, local) => {
    seen = undefined;
    const r = await run(argv, probe);
    expect(r.code).toBe(0);
    expect(seen!.ctx.global).toMatchObject(global);
    expect(seen!.opts).toMatchObject(local);
  });
});

describe("errors -> exit codes", () => {
  const failing = (err: unknown): CommandDef => ({ path: ["boom"], summary: "b", examples: ["hdoc boom"], async run() { throw err; } });

  it("prints an HdocError as error + hint lines and returns its exit code, no stack", async () => {
    const r = await run(["boom"], failing(new HdocError("AUTH", "the AWS session has expired", "run `hdoc mfa login`")));
    expect(r.code).toBe(3);
    expect(r.err).toBe("error: the AWS session has expired\nhint: run `hdoc mfa login`\n");
  });

  it("adds the stack only with --verbose", async () => {
    const r = await run(["boom", "--verbose"], failing(new HdocError("USAGE", "bad")));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error: bad\n.*HdocError/s);
    expect(r.err).toMatch(/\n\s+at /);
  });

  it("turns an unexpected error into exit 1 with a hint to use --verbose", async () => {
    const r = await run(["boom"], failing(new TypeError("x is undefined")));
    expect(r.code).toBe(1);
    expect(r.err).toContain("error: unexpected failure: x is undefined");
    expect(r.err).toContain("--verbose");
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("maps an interrupted prompt (Ctrl-C) to 130", async () => {
    const e = Object.assign(new Error("User force closed the prompt"), { name: "ExitPromptError" });
    const r = await run(["boom"], failing(e));
    expect(r.code).toBe(130);
  });

  it("never prints a secret the command registered, even inside an error", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const def: CommandDef = { path: ["leak"], summary: "l", examples: ["hdoc leak"], async run(_o, ctx) { ctx.io.redactor.add(secret); ctx.io.info(`secret is ${secret}`); throw new HdocError("AWS", `failed with ${secret}`); } };
    const r = await run(["leak", "--verbose"], def);
    expect(r.err).not.toContain(secret);
    expect(r.err).toContain("****");
  });
});
