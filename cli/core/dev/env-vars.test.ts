import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyEnvVars, parseEnvVars, readEnvVars } from "./env-vars.ts";
import { HdocError } from "../../errors.ts";
import { removeLeftoverRuns } from "./leftovers.ts";

describe("--env-vars (SAM CLI format)", () => {
  const declared = { STAGE: "dev", TABLE: "Users", GREETING: "hi" };
  const names = Object.keys(declared);
  const fn = { logicalId: "GetUserFunction", id: "Api/GetUserFunction" };
  it.each([
    ["nothing", {}, declared],
    ["Parameters for every function", { Parameters: { STAGE: "p" } }, { ...declared, STAGE: "p" }],
    ["the function's logical id over Parameters", { Parameters: { STAGE: "p", TABLE: "p" }, GetUserFunction: { STAGE: "f" } }, { ...declared, STAGE: "f", TABLE: "p" }],
    ["the nested id over the logical id", { GetUserFunction: { STAGE: "logical" }, "Api/GetUserFunction": { STAGE: "nested" } }, { ...declared, STAGE: "nested" }],
    ["another function's entry ignored", { OtherFunction: { STAGE: "other" } }, declared],
    ["names the template does not declare ignored", { Parameters: { NEW_ONE: "x" }, GetUserFunction: { ALSO_NEW: "y" } }, declared],
  ])("applies %s", (_name, file, expected) => {
    expect(applyEnvVars(declared, names, parseEnvVars(JSON.stringify(file), "env.json"), fn)).toEqual(expected);
  });

  it("refuses a file that is not UTF-8, naming where, as the SAM CLI does (was: each bad byte read as U+FFFD into the variable)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hdoc-envvars-"));
    try {
      const file = path.join(dir, "env.json");
      writeFileSync(file, Buffer.from('{"Parameters": {"GREETING": "caf\xe9"}}', "latin1"));
      let e: unknown;
      try {
        readEnvVars(file, "env.json");
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(HdocError);
      expect([(e as HdocError).code, (e as HdocError).message, (e as HdocError).hint]).toEqual(["USAGE", "--env-vars env.json: byte 0xE9 at line 1, column 33 is not UTF-8", "save it as UTF-8 (JSON files are UTF-8), e.g. with iconv -f latin1 -t utf-8"]);
      writeFileSync(file, '{"Parameters": {"GREETING": "café"}}');
      expect(readEnvVars(file, "env.json").Parameters).toEqual({ GREETING: "café" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes numbers and booleans as their text", () => {
    expect(parseEnvVars('{"F": {"N": 5, "B": false, "S": ""}}', "env.json")).toEqual({ F: { N: "5", B: "false", S: "" } });
  });

  it.each([
    ["not JSON", "{", /env\.json is not valid JSON/],
    ["a list", "[]", /must hold an object of function -> variables/],
    ["a function entry that is a string", '{"F": "x"}', /"F" must be an object of variable -> value/],
    ["a nested object", '{"F": {"V": {"a": 1}}}', /F\.V must be a string, number or boolean \(got object\)/],
    ["null", '{"F": {"V": null}}', /got null/],
  ])("refuses %s with one line", (_name, text, message) => {
    expect(() => parseEnvVars(text, "env.json")).toThrow(message);
  });
});

describe("leftovers of killed hdoc dev runs", () => {
  it("removes run folders whose process is gone and keeps the others", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hdoc-leftovers-"));
    try {
      for (const n of ["run-111-1", "run-222-2", "not-a-run", "run-x-3"]) mkdirSync(path.join(dir, n));
      expect(removeLeftoverRuns(dir, (pid) => pid === 222)).toEqual(["run-111-1"]);
      expect(["run-111-1", "run-222-2", "not-a-run", "run-x-3"].map((n) => existsSync(path.join(dir, n)))).toEqual([false, true, true, true]);
      expect(removeLeftoverRuns(path.join(dir, "missing"))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("removes the temporary file of a cache write a killed run left (templates.json's), and keeps a live run's (found in review)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hdoc-leftovers-"));
    try {
      for (const n of ["templates.json", "templates.json.111-1764590000000.tmp", "templates.json.222-1764590000000.tmp"]) writeFileSync(path.join(dir, n), "{}");
      expect(removeLeftoverRuns(dir, (pid) => pid === 222)).toEqual(["templates.json.111-1764590000000.tmp"]);
      expect(readdirSync(dir).sort()).toEqual(["templates.json", "templates.json.222-1764590000000.tmp"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
