import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { findProjectRoot, loadProjectSettings, parseProjectFile, resolveSetting } from "./settings.ts";

const dir = mkdtempSync(path.join(tmpdir(), "hdoc-settings-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseProjectFile", () => {
  it.each([
    ["not JSON", "{", /is not valid JSON/],
    ["an array", "[]", /must hold a JSON object/],
    ["an unknown key", '{"regoin":"us-east-1"}', /unknown setting "regoin".*/],
    ["a bad region", '{"region":"mars"}', /"region" must be an AWS region/],
    ["a non-string", '{"targetProfile":3}', /"targetProfile" must be a profile name/],
    ["a bad app name", '{"appName":"Hdoc App"}', /"appName" must be lower-case/],
  ])("rejects %s with a message naming the file", (_what, text, pattern) => {
    expect(() => parseProjectFile(text, "/x/hdoc.config.json")).toThrow(pattern);
    expect(() => parseProjectFile(text, "/x/hdoc.config.json")).toThrow(/\/x\/hdoc\.config\.json/);
  });

  it("accepts every known setting and $schema", () => {
    expect(parseProjectFile('{"$schema":"x","appName":"hdoc","region":"eu-west-1","sourceProfile":"me@100daysofcloud","targetProfile":"mfa"}', "f")).toEqual({
      appName: "hdoc",
      region: "eu-west-1",
      sourceProfile: "me@100daysofcloud",
      targetProfile: "mfa",
    });
  });
});

describe("findProjectRoot / loadProjectSettings", () => {
  it("finds hdoc.config.json in a parent folder", async () => {
    writeFileSync(path.join(dir, "hdoc.config.json"), '{"region":"eu-central-1"}');
    mkdirSync(path.join(dir, "a/b"), { recursive: true });
    const s = await loadProjectSettings(path.join(dir, "a/b"), {});
    expect(s.root).toBe(dir);
    expect(s.values.region).toBe("eu-central-1");
  });

  it("refuses an hdoc.config.json that is not UTF-8, naming where (was: read with U+FFFD in its values)", async () => {
    writeFileSync(path.join(dir, "hdoc.config.json"), Buffer.from('{"profile":"jos\xe9"}', "latin1"));
    await expect(loadProjectSettings(dir, {})).rejects.toMatchObject({ code: "USAGE", message: `${path.join(dir, "hdoc.config.json")}: byte 0xE9 at line 1, column 16 is not UTF-8` });
  });

  it("honours HDOC_CONFIG and refuses one that does not exist", () => {
    expect(() => findProjectRoot(dir, { HDOC_CONFIG: "nope.json" })).toThrow(/HDOC_CONFIG points at .*nope\.json/);
  });
});

describe("resolveSetting", () => {
  it("takes the first non-empty candidate in precedence order and says where it came from", () => {
    expect(resolveSetting([["flag", undefined], ["environment", ""], ["project file", "p"], ["AWS config", "a"]], "d")).toEqual({ value: "p", source: "project file" });
    expect(resolveSetting([["flag", "f"], ["environment", "e"]], "d")).toEqual({ value: "f", source: "flag" });
    expect(resolveSetting([["flag", undefined]], "d")).toEqual({ value: "d", source: "default" });
  });
});

describe("docs/hdoc.config.schema.json", () => {
  it("allows exactly the keys the validator knows, and the repository's own file passes", async () => {
    const { readFileSync } = await import("node:fs");
    const schema = JSON.parse(readFileSync(new URL("../../docs/hdoc.config.schema.json", import.meta.url), "utf8"));
    expect(Object.keys(schema.properties).filter((k) => k !== "$schema").sort()).toEqual(["appName", "region", "sourceProfile", "targetProfile"]);
    const own = readFileSync(new URL("../../hdoc.config.json", import.meta.url), "utf8");
    expect(parseProjectFile(own, "hdoc.config.json")).toEqual({ appName: "hdoc", region: "us-east-1", sourceProfile: "default", targetProfile: "mfa" });
  });
});

describe("one validation for a setting, wherever it comes from", () => {
  it.each([
    ["flag", "--region"],
    ["environment", "the environment"],
    ["project file", "hdoc.config.json"],
    ["AWS config", "the AWS config file"],
  ] as const)("refuses region mars-1 from the %s, naming %s", (source, label) => {
    expect(() => resolveSetting<string>([[source, "mars-1"]], "us-east-1", "region")).toThrow(new RegExp(`"mars-1" \\(from ${label.replace(/[.]/g, "\\.")}\\) is not an AWS region`));
  });
  it("takes a good value from any source and keeps its source", () => {
    expect(resolveSetting<string>([["flag", undefined], ["environment", "eu-west-1"]], "us-east-1", "region")).toEqual({ value: "eu-west-1", source: "environment" });
  });
  it("suggests the key a misspelled setting was meant to be", () => {
    const thrown = (() => {
      try {
        parseProjectFile('{"regoin": "us-east-1"}', "hdoc.config.json");
      } catch (e) {
        return e;
      }
      throw new Error("parseProjectFile accepted an unknown key");
    })();
    expect(thrown).toMatchObject({ code: "USAGE", message: 'hdoc.config.json: unknown setting "regoin"', hint: expect.stringMatching(/^did you mean 'region'\? known settings: /) });
  });
});
