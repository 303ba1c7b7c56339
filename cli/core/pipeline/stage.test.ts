import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { currentBranch, describeStage, resolveStage, stageForBranch, type GitRunner } from "./stage.ts";

describe("stageForBranch (prod is never inferred)", () => {
  it.each([
    ["dev", "dev"],
    ["staging", "staging"],
    ["main", "dev"],
    ["feature/login", "dev"],
    ["master", "dev"],
    ["prod", "dev"],
    ["Main", "dev"],
    [undefined, "dev"],
  ])("maps branch %s to stage %s", (branch, stage) => {
    expect(stageForBranch(branch)).toBe(stage);
  });
});

const fakeGit = (out: string | undefined): GitRunner => async () => out;

describe("resolveStage", () => {
  it("takes --stage over the branch", async () => {
    expect(await resolveStage("prod", "/", fakeGit("dev"))).toEqual({ stage: "prod", source: "flag" });
  });
  it("rejects an unknown --stage with the list of stages", async () => {
    await expect(resolveStage("production", "/", fakeGit("main"))).rejects.toThrow(/--stage must be one of dev, staging, prod, got "production"/);
  });
  it.each([
    ["main", { stage: "dev", source: "git branch", branch: "main" }],
    ["staging", { stage: "staging", source: "git branch", branch: "staging" }],
    ["HEAD", { stage: "dev", source: "default" }],
    [undefined, { stage: "dev", source: "default" }],
  ])("from git output %s", async (out, expected) => {
    expect(await resolveStage(undefined, "/", fakeGit(out))).toEqual(expected);
  });
  it("describes where the stage came from", () => {
    expect(describeStage({ stage: "dev", source: "git branch", branch: "main" })).toBe("stage: dev (from git branch 'main'; prod only with --stage prod)");
    expect(describeStage({ stage: "staging", source: "git branch", branch: "staging" })).toBe("stage: staging (from git branch 'staging')");
    expect(describeStage({ stage: "dev", source: "default" })).toMatch(/default/);
  });
});

describe("currentBranch with real git", () => {
  it("is undefined outside a repository", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hdoc-nogit-"));
    try {
      expect(await currentBranch(dir)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
