import { describe, expect, it } from "vitest";
import { StackResolver } from "./stack-refs.ts";
import type { Json, StackNode } from "./templates.ts";

const stack: StackNode = {
  file: "t.yml",
  path: [],
  children: [],
  body: {
    Parameters: { Stage: { Type: "String", Default: "prod" }, Rate: { Type: "String", Default: "" } },
    Mappings: { StageSettings: { dev: { Rate: "rate(1 day)" }, prod: { Rate: "rate(6 hours)" } } },
    Conditions: {
      IsProd: { "Fn::Equals": [{ Ref: "Stage" }, "prod"] },
      DefaultRate: { "Fn::Equals": [{ Ref: "Rate" }, ""] },
      NotProd: { "Fn::Not": [{ Condition: "IsProd" }] },
      Both: { "Fn::And": [{ Condition: "IsProd" }, { Condition: "DefaultRate" }] },
      Either: { "Fn::Or": [{ Condition: "NotProd" }, { "Fn::Equals": ["a", "b"] }] },
      Unknowable: { "Fn::Equals": [{ Ref: "AWS::NotificationARNs" }, "x"] },
    },
  },
};
const r = new StackResolver([stack], { region: "us-east-1", accountId: "123456789012" });

describe("StackResolver: Fn::FindInMap, Fn::If and conditions", () => {
  it.each<[string, Json, unknown]>([
    ["FindInMap with a Ref key", { "Fn::FindInMap": ["StageSettings", { Ref: "Stage" }, "Rate"] }, { kind: "value", value: "rate(6 hours)" }],
    ["FindInMap of a missing key", { "Fn::FindInMap": ["StageSettings", "staging", "Rate"] }, { kind: "unresolved", why: "Fn::FindInMap StageSettings.staging.Rate does not exist" }],
    ["If on an Equals condition (true)", { "Fn::If": ["IsProd", "big", "small"] }, { kind: "value", value: "big" }],
    ["If on Not", { "Fn::If": ["NotProd", "big", "small"] }, { kind: "value", value: "small" }],
    ["If on And", { "Fn::If": ["Both", "yes", "no"] }, { kind: "value", value: "yes" }],
    ["If on Or", { "Fn::If": ["Either", "yes", "no"] }, { kind: "value", value: "no" }],
    ["If choosing a FindInMap (the root template's parser rate)", { "Fn::If": ["DefaultRate", { "Fn::FindInMap": ["StageSettings", { Ref: "Stage" }, "Rate"] }, { Ref: "Rate" }] }, { kind: "value", value: "rate(6 hours)" }],
    ["If on a condition that cannot be evaluated", { "Fn::If": ["Unknowable", "a", "b"] }, { kind: "unresolved", why: "condition Unknowable cannot be evaluated locally" }],
    ["If on an undefined condition", { "Fn::If": ["Nope", "a", "b"] }, { kind: "unresolved", why: "condition Nope cannot be evaluated locally" }],
  ])("%s", (_what, value, expected) => {
    expect(r.resolve(stack, value)).toEqual(expected);
  });
});
