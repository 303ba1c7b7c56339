import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { closest, didYouMean, editDistance } from "./suggest.ts";

describe("closest", () => {
  it.each([
    ["prdo", ["dev", "staging", "prod"], ["prod"]],
    ["stagin", ["dev", "staging", "prod"], ["staging"]],
    ["logn", ["login", "status", "exec"], ["login"]],
    ["regoin", ["appName", "region", "sourceProfile", "targetProfile"], ["region"]],
    ["--token", ["--token-code", "--duration", "--force"], ["--token-code"]],
    ["pi", ["pipeline", "mfa", "build", "dev"], ["pipeline"]],
    ["xyz", ["dev", "staging", "prod"], []],
    ["PROD", ["dev", "staging", "prod"], ["prod"]],
  ])("%s among %j -> %j", (value, choices, expected) => {
    expect(closest(value, choices)).toEqual(expected);
  });

  it("phrases the suggestion", () => {
    expect(didYouMean("prdo", ["dev", "prod"])).toBe("did you mean 'prod'?");
    expect(didYouMean("zzz", ["dev", "prod"])).toBe("");
  });

  it("edit distance is a metric on small words (symmetric, zero only for equal words)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b) === 0).toBe(a === b);
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});
