/** `hdoc completion`: each script passes its shell's syntax check and completes what the registry has. */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { runHdoc, tempHome } from "../helpers/hdoc.ts";

const h = tempHome();
afterAll(() => h.cleanup());
const dir = mkdtempSync(path.join(os.tmpdir(), "hdoc-completion-"));
writeFileSync(h.credentialsFile, "[default]\naws_access_key_id = x\n[mfa]\n");
writeFileSync(h.configFile, "[profile alice@100daysofcloud]\nregion = us-east-1\n");

async function script(shell: string): Promise<string> {
  const r = await runHdoc(["completion", shell], { home: h.home });
  expect(r.exitCode, r.stderr).toBe(0);
  const file = path.join(dir, `hdoc.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

const has = async (shell: string) => (await execa("sh", ["-c", `command -v ${shell}`], { reject: false })).exitCode === 0;
const env = { HOME: h.home, AWS_SHARED_CREDENTIALS_FILE: h.credentialsFile, AWS_CONFIG_FILE: h.configFile };

/** What bash's completion function offers for the words typed so far (the last one being completed). */
async function bashComplete(file: string, words: string[]): Promise<string[]> {
  const array = words.map((w) => `'${w}'`).join(" ");
  const r = await execa("bash", ["-c", `source '${file}'; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _hdoc; printf '%s\\n' "\${COMPREPLY[@]}"`], { env, reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split("\n").filter(Boolean);
}

describe("hdoc completion bash", () => {
  it("passes bash -n and completes commands, options, stages and profiles", async () => {
    const file = await script("bash");
    expect((await execa("bash", ["-n", file], { reject: false })).exitCode).toBe(0);
    expect(await bashComplete(file, ["hdoc", "pi"])).toEqual(["pipeline"]);
    expect(await bashComplete(file, ["hdoc", "mfa", ""])).toEqual(expect.arrayContaining(["login", "status"]));
    expect(await bashComplete(file, ["hdoc", "mfa", "login", "--tok"])).toEqual(["--token-code"]);
    expect(await bashComplete(file, ["hdoc", "pipeline", "deploy", "--stage", ""])).toEqual(["dev", "staging", "prod"]);
    expect((await bashComplete(file, ["hdoc", "mfa", "login", "--source-profile", ""])).sort()).toEqual(["alice@100daysofcloud", "default", "mfa"]);
    // global options at every level
    expect(await bashComplete(file, ["hdoc", "build", "--js"])).toEqual(["--json"]);
  });
});

describe.each(["zsh", "fish"])("hdoc completion %s", (shell) => {
  it(`passes ${shell} -n and completes hdoc pi<TAB> to pipeline (needs ${shell}: apt-get install ${shell})`, async () => {
    const file = await script(shell);
    expect(await has(shell), `${shell} is not installed: apt-get install ${shell}`).toBe(true);
    const check = await execa(shell, ["-n", file], { reject: false });
    expect(check.exitCode, check.stderr).toBe(0);
    if (shell === "fish") {
      const r = await execa("fish", ["-c", `source '${file}'; complete -C 'hdoc pi'`], { env, reject: false, cwd: dir });
      expect(r.stdout.split("\n")[0]).toMatch(/^pipeline\t/);
      const p = await execa("fish", ["-c", `source '${file}'; complete -C 'hdoc mfa login --source-profile '`], { env, reject: false, cwd: dir });
      expect(p.stdout.split("\n").sort()).toEqual(["alice@100daysofcloud", "default", "mfa"]);
    } else {
      // zsh runs the bash function through bashcompinit: drive it the same way
      const r = await execa("zsh", ["-c", `source '${file}'; setopt ksharrays; COMP_WORDS=(hdoc pi); COMP_CWORD=1; _hdoc; print -l -- "\${COMPREPLY[@]}"`], { env, reject: false });
      expect(r.stdout.trim()).toBe("pipeline");
    }
  });
});

it("refuses an unknown shell with a suggestion (exit 2)", async () => {
  const r = await runHdoc(["completion", "bassh"], { home: h.home });
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toMatch(/^error: no completion for shell "bassh"/m);
  expect(r.stderr).toMatch(/^hint: did you mean 'bash'\?$/m);
});
