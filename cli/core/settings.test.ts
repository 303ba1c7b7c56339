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
