import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseTemplate } from "./template-yaml.ts";
import { plainScalar } from "./yaml-scalars.ts";

/**
 * Plain scalars as PyYAML's SafeLoader (the YAML 1.1 resolver cfn-lint's decoder, the SAM translator
 * and the SAM CLI read templates with) resolves them. Each row was checked against PyYAML 6 on this
 * machine; the cases come from PyYAML's resolver table and from values seen in the SAM CLI's and the
 * SAM translator's test templates (CodeUri: ., OpenApiVersion: 3.0, AWSTemplateFormatVersion dates).
 */
const SCALARS: Array<[string, unknown]> = [
  [".", "."], ["._", "._"], ["..", ".."],
  ["y", "y"], ["n", "n"], ["Y", "Y"], ["N", "N"],
  ["yes", true], ["No", false], ["ON", true], ["off", false], ["true", true], ["False", false], ["TRUE", true],
  ["1e5", "1e5"], ["1.0e5", "1.0e5"], ["1.0e+5", 100000], ["1.5E-3", 0.0015],
  ["-.5", "-.5"], ["+.5", "+.5"], [".5", 0.5], ["1.", 1], ["3.0", 3], ["0.1", 0.1], ["010.5", 10.5],
  ["1_000", 1000], ["1_000.5", 1000.5], ["1__0", 10], ["1_", 1], ["_1", "_1"],
  ["1:20", 80], ["-1:20", -80], ["1:20.5", 80.5], ["190:20:30", 685230], ["1:5", 65], ["1:60", "1:60"],
  ["0", 0], ["00", 0], ["012", 10], ["08", "08"], ["09", "09"], ["-0", 0], ["+12", 12],
  ["0x1F", 31], ["0x_1", 1], ["0b101", 5], ["0b", "0b"], ["0o17", "0o17"],
  [".inf", Infinity], ["-.Inf", -Infinity],
  ["~", null], ["null", null], ["Null", null], ["NULL", null], ["", null],
  ["2010-09-09", "2010-09-09"], ["123abc", "123abc"], ["1,000", "1,000"], ["<<x", "<<x"],
];

describe("plain scalars read as PyYAML (YAML 1.1) reads them", () => {
  it.each(SCALARS)("%j", (text, value) => {
    expect(plainScalar(text)).toEqual(value);
    expect(parseTemplate(`V: ${text}\n`, "t.yml").V).toEqual(value);
  });
  it(".nan is NaN", () => expect(plainScalar(".NaN")).toBeNaN());

  it("text longer than five letters that starts with a letter is text (the shortcut), as the table reads it", () => {
    const words = ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "null", "Null", "NULL"];
    // every word the table reads as a boolean or null fits the shortcut's length
    expect(Math.max(...words.map((w) => w.length))).toBe(5);
    expect(words.map((w) => typeof plainScalar(w))).not.toContain("string");
    const alnum = fc.constantFrom(..."aAzZ09_.:-+~xXeEoObB".split(""));
    fc.assert(
      fc.property(fc.constantFrom(..."aZtTfFnNyYoOx".split("")), fc.array(alnum, { minLength: 5, maxLength: 12 }), (first, rest) => {
        const text = first + rest.join("");
        // the table without the shortcut: none of its patterns matches such a text
        const viaTable = [/^(?:~|null|Null|NULL|)$/, /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, /^[-+0-9.]/].some((re) => re.test(text));
        expect(viaTable).toBe(false);
        expect(plainScalar(text)).toBe(text);
      }),
    );
  });

  it("quoted and block scalars are always strings", () => {
    const body = parseTemplate(`A: "yes"\nB: '1:20'\nC: "1_000"\nD: '3.0'\nE: |\n  .\nF: !!str 12\nG: !!int "12"\n`, "t.yml");
    expect(body).toEqual({ A: "yes", B: "1:20", C: "1_000", D: "3.0", E: ".\n", F: "12", G: 12 });
  });
});

describe("short-form intrinsics as cfn-lint and the SAM CLI decode them", () => {
  it("turns every !Name tag into long form (Ref and Condition unprefixed, GetAtt split at the first dot)", () => {
    const body = parseTemplate(
      ["A: !Ref Stage", "B: !GetAtt Table.StreamArn", "C: !Sub '${AppName}-x'", "D: !Join ['-', [a, !Ref B]]", "E: !If [IsProd, 1, 2]",
        "F: !Equals [!Ref Stage, prod]", "G: !Condition IsProd", "H: !GetAtt [T, Arn]", "I: !GetAtt Api.Outputs.Url", "J: !Ref 1",
        "K: !Transform { Name: AWS::Include, Parameters: { Location: x.yml } }", "L: !FutureFn [a]"].join("\n"),
      "t.yml",
    );
    expect(body).toEqual({
      A: { Ref: "Stage" },
      B: { "Fn::GetAtt": ["Table", "StreamArn"] },
      C: { "Fn::Sub": "${AppName}-x" },
      D: { "Fn::Join": ["-", ["a", { Ref: "B" }]] },
      E: { "Fn::If": ["IsProd", 1, 2] },
      F: { "Fn::Equals": [{ Ref: "Stage" }, "prod"] },
      G: { Condition: "IsProd" },
      H: { "Fn::GetAtt": ["T", "Arn"] },
      I: { "Fn::GetAtt": ["Api", "Outputs.Url"] },
      J: { Ref: "1" },
      K: { "Fn::Transform": { Name: "AWS::Include", Parameters: { Location: "x.yml" } } },
      L: { "Fn::FutureFn": ["a"] },
    });
  });

  it("applies merge keys and anchors as PyYAML does (explicit keys win)", () => {
    const body = parseTemplate("base: &b { Runtime: nodejs22.x, Timeout: 3 }\nfn:\n  <<: *b\n  Timeout: 10\nalias: *b\n", "t.yml");
    expect(body.fn).toEqual({ Runtime: "nodejs22.x", Timeout: 10 });
    expect(body.alias).toEqual({ Runtime: "nodejs22.x", Timeout: 3 });
  });

  it("gives every alias a copy of its own: changing one leaves the anchor and the others as written", () => {
    const body = parseTemplate("base: &b { Env: { Variables: { A: 1 } } }\none: *b\ntwo: *b\n", "t.yml") as Record<string, { Env: { Variables: Record<string, number> } }>;
    body.one!.Env.Variables.A = 2;
    expect(body.base!.Env.Variables.A).toBe(1);
    expect(body.two!.Env.Variables.A).toBe(1);
  });

  it("shares no value between two places of a document without aliases (merge keys of inline mappings included), so nothing is copied", () => {
    const body = parseTemplate("a:\n  <<: { X: { v: [1] }, Y: [2] }\n  Z: 1\nb:\n  <<: [{ P: { q: 1 } }, { R: [3] }]\nc: { d: { e: [ { f: 1 } ] } }\n", "t.yml");
    expect(body).toEqual({ a: { X: { v: [1] }, Y: [2], Z: 1 }, b: { P: { q: 1 }, R: [3] }, c: { d: { e: [{ f: 1 }] } } });
    const seen = new Set<object>();
    const walk = (v: unknown): void => {
      if (v === null || typeof v !== "object") return;
      expect(seen.has(v)).toBe(false);
      seen.add(v);
      Object.values(v).forEach(walk);
    };
    walk(body);
    expect(seen.size).toBe(12);
  });

  it("refuses a document whose aliases expand without end (a YAML bomb)", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    expect(() => parseTemplate(levels.join("\n") + "\n", "t.yml")).toThrow(/t\.yml: too many alias expansions/);
  });

  it.each([
    ["a numeric key", "Mappings:\n  Accounts:\n    123456789012: { Env: prod }\n", { Mappings: { Accounts: { "123456789012": { Env: "prod" } } } }],
    ["a boolean key", "M:\n  yes: 1\n", { M: { true: 1 } }],
    ["a verbatim tag", "A: !<tag:example.com,2000:x> q\n", { A: "q" }],
    ["a core tag it does not resolve", "A: !!binary aGk=\nB: !!timestamp 2001-12-14\n", { A: "aGk=", B: "2001-12-14" }],
    ["a __proto__ key", "A:\n  __proto__: { polluted: 1 }\n", { A: JSON.parse('{"__proto__": {"polluted": 1}}') }],
  ])("reads %s as CloudFormation does", (_what, text, expected) => {
    const body = parseTemplate(text, "t.yml");
    expect(body).toEqual(expected);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reads JSON templates as JSON (1e5 is a number, as CloudFormation reads it)", () => {
    expect(parseTemplate('{"A": 1e5, "B": "yes", "C": [1.0]}', "t.json")).toEqual({ A: 100000, B: "yes", C: [1] });
  });

  it.each([
    ["a duplicate key", "A: 1\nA: 2\n", /t\.yml:2: .*[Uu]nique|t\.yml:\d+: /],
    ["a YAML syntax error", "A: [1,\nB: 2", /t\.yml:\d+/],
    ["a list at the top", "- 1\n", /must be a mapping/],
    ["a null key", "A: 1\n~: 2\n", /t\.yml:2: a null key is not supported/],
    ["two documents", "A: 1\n---\nB: 2\n", /t\.yml: a template is one YAML document/],
  ])("rejects %s, naming the file and line", (_what, text, pattern) => {
    expect(() => parseTemplate(text, "t.yml")).toThrow(pattern);
  });

  it("reads an empty file as an empty template", () => expect(parseTemplate("", "t.yml")).toEqual({}));
});
