import { describe, expect, it } from "vitest";
import { isSettled, stackState } from "./stack-state.ts";
import { parseTimeout } from "./settings.ts";

describe("stackState: what a status means, and status's exit code", () => {
  it.each([
    ["CREATE_COMPLETE", "healthy", 0],
    ["UPDATE_COMPLETE", "healthy", 0],
    ["IMPORT_COMPLETE", "healthy", 0],
    ["REVIEW_IN_PROGRESS", "not-deployed", 11],
    ["CREATE_IN_PROGRESS", "busy", 10],
    ["UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "busy", 10],
    ["UPDATE_ROLLBACK_IN_PROGRESS", "busy", 10],
    ["DELETE_IN_PROGRESS", "busy", 10],
    ["CREATE_FAILED", "failed", 9],
    ["UPDATE_ROLLBACK_FAILED", "failed", 9],
    ["DELETE_FAILED", "failed", 9],
    ["ROLLBACK_FAILED", "failed", 9],
    ["ROLLBACK_COMPLETE", "rolled-back", 12],
    ["UPDATE_ROLLBACK_COMPLETE", "rolled-back", 12],
    ["IMPORT_ROLLBACK_COMPLETE", "rolled-back", 12],
    ["DELETE_COMPLETE", "missing", 6],
    [undefined, "missing", 6],
  ])("%s -> %s (exit %i)", (status, state, exitCode) => {
    expect(stackState(status)).toMatchObject({ state, exitCode, meaning: expect.any(String) });
  });

  it("takes REVIEW_IN_PROGRESS as settled: CloudFormation will not leave it by itself", () => {
    expect(isSettled("REVIEW_IN_PROGRESS")).toBe(true);
    expect(isSettled("UPDATE_IN_PROGRESS")).toBe(false);
    expect(isSettled("UPDATE_ROLLBACK_COMPLETE")).toBe(true);
  });
});

describe("parseTimeout (--timeout)", () => {
  it.each([
    [undefined, 3_600_000],
    ["90s", 90_000],
    ["20m", 1_200_000],
    ["2h", 7_200_000],
    ["45", 2_700_000],
    ["1.5m", 90_000],
    ["1s", 1000],
  ])("%j -> %i ms", (text, ms) => {
    expect(parseTimeout(text)).toBe(ms);
  });
  it.each(["0", "0s", "25h", "ten", "-5m", "5d", ""])("refuses %j (exit 2)", (text) => {
    expect(() => parseTimeout(text)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining("--timeout") }));
  });
});
