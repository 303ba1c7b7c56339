/**
 * The editor's check of a replacement where it is made (template-edit.ts): which edits it covers,
 * and that a text checked that way reads back, when read in full, exactly as intended.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TemplateEditor } from "./template-edit.ts";
import { parseTemplate } from "./template-yaml.ts";

const AT = ["Resources", "Fn", "Properties"];

/** Edits CodeUri; returns the text and how it was checked. */
function editCode(text: string, value: string): { out: string; readBack: string | undefined } {
  const e = new TemplateEditor(text, "t.yml");
  e.setPath(AT, "CodeUri", value);
  const out = e.toString();
  return { out, readBack: e.readBack };
}

/** What the edited text must mean: the text's values with Fn's CodeUri set, read by the full reader. */
function intended(text: string, value: string): unknown {
  const body = parseTemplate(text, "t.yml") as { Resources: { Fn: { Properties: Record<string, unknown> } } };
  body.Resources.Fn.Properties.CodeUri = value;
  return body;
}

const fn = (props: string) => `Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n${props}`;

describe("TemplateEditor: a replacement checked where it is made", () => {
  it.each([
    ["a plain path", fn("      CodeUri: ../functions/fn\n      Handler: a.b\n")],
    ["a double-quoted path", fn('      CodeUri: "src"\n')],
    ["a single-quoted path", fn("      CodeUri: 'src'\n")],
    ["a comment after the value", fn("      CodeUri: src   # where the code is\n")],
    ["a short-form tag", fn("      CodeUri: !Ref CodeParam\n")],
    ["an anchor nothing refers to", fn("      CodeUri: &code src\n")],
    ["CRLF line ends", "Resources:\r\n  Fn:\r\n    Properties:\r\n      CodeUri: src\r\n      Handler: a.b\r\n"],
    ["a flow mapping", "Resources:\n  Fn: { Type: X, Properties: { CodeUri: src, Handler: a.b } }\n"],
    ["a flow mapping's last entry", "Resources:\n  Fn: { Type: X, Properties: { Handler: a.b, CodeUri: src } }\n"],
    ["the end of the file without a line break", "Resources:\n  Fn:\n    Properties:\n      CodeUri: src"],
  ])("covers %s", (_what, text) => {
    const { out, readBack } = editCode(text, "../../functions/Fn");
    expect(readBack).toBe("local");
    expect(parseTemplate(out, "o.yml")).toEqual(intended(text, "../../functions/Fn"));
  });

  it.each([
    ["an alias anywhere in the document", "Handlers: &h a.b\n" + fn("      CodeUri: src\n      Handler: *h\n"), "./c"],
    ["a plain value with a blank inside", fn("      CodeUri: src dir\n"), "./c"],
    ["a plain value over two lines", fn("      CodeUri: src\n        dir\n      Handler: a.b\n"), "./c"],
    ["a value on the line after its key", fn("      CodeUri:\n        src\n"), "./c"],
    ["a quoted value with an escape", fn('      CodeUri: "s\\x72c"\n'), "./c"],
    ["a block scalar", fn("      CodeUri: |\n        src\n"), "./c"],
    ["a flow sequence", fn("      CodeUri: [a, b]\n"), "./c"],
    ["a flow mapping over two lines", fn("      CodeUri: { Bucket: b,\n        Key: k }\n"), "./c"],
    ["a key written with ? and :", fn("      ? CodeUri\n      : src\n"), "./c"],
    ["no blank after the colon", 'Resources: {Fn: {Properties: {"CodeUri":"src"}}}\n', "./c"],
    ["a new value outside printable ASCII", fn("      CodeUri: src\n"), "./fonctions/é"],
    ["a key to insert", fn("      Handler: a.b\n"), "./c"],
    ["a JSON template", '{"Resources": {"Fn": {"Properties": {"CodeUri": "src"}}}}\n', "./c"],
  ])("reads the whole text again for %s", (_what, text, value) => {
    const { out, readBack } = editCode(text, value);
    expect(readBack).toBe("parsed");
    expect(parseTemplate(out, "o.yml")).toEqual(intended(text, value));
  });

  it("still refuses an edit that an alias would carry to another function (read in full: no alias, no local check)", () => {
    const text = "Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties: &p\n      CodeUri: src\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: *p\n";
    const e = new TemplateEditor(text, "t.yml");
    e.setPath(["Resources", "A", "Properties"], "CodeUri", "./a");
    expect(() => e.toString()).toThrow(/does not read back as intended/);
    expect(e.readBack).toBe("parsed");
  });
});

/** The forms a function's CodeUri and its neighbours take in templates, some of them not covered by the local check. */
const codeForm = fc.constantFrom(
  "src", "../functions/a-b_c.1", '"src"', "'src'", "!Ref Code", "!Sub ${Dir}/x", "&c src", "src # note", "src dir", '"a b"', "'it''s'",
  "[a, b]", "{ Bucket: b, Key: k }", "|\n        src", "src\n        more", "\n        src", "~", "", '"s\\u0072c"',
);
const newValue = fc.oneof(fc.constantFrom("../../functions/Fn", "./x", "a b", "é/ü", "#x", "x: y", "\u2028", "\\", '"'), fc.string({ maxLength: 6 }));

describe("the local check (property)", () => {
  it("an edited text reads back in full as the old values with CodeUri set, whichever way it was checked", () => {
    let local = 0;
    const runs = 300;
    fc.assert(
      fc.property(codeForm, newValue, fc.boolean(), fc.boolean(), fc.boolean(), (code, value, flow, alias, comment) => {
        const tail = comment ? "  # c" : "";
        const props = flow && !/[\n#{}$[|]/.test(code)
          ? `    Properties: { Handler: ${alias ? "*h" : "a.b"}, CodeUri: ${code || "x"} }${tail}\n`
          : `    Properties:\n      CodeUri: ${code}${code.includes("#") ? "" : tail}\n      Handler: ${alias ? "*h" : "a.b"}\n`;
        const text = `Meta: &h a.b\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n${props}`;
        const { out, readBack } = editCode(text, value);
        if (readBack === "local") local++;
        expect(parseTemplate(out, "o.yml")).toEqual(intended(text, value));
      }),
      { numRuns: runs },
    );
    // the generated cases exercise the local check, not only the full read
    expect(local).toBeGreaterThan(runs / 10);
  });
});
