import { describe, expect, it } from "vitest";
import { cliProblem, parseProfileFile, setProfile } from "./profile-sections.ts";
import { HdocError } from "../../errors.ts";
import { botocoreRead } from "../../../test/helpers/botocore.ts";

const VALUES: Array<[string, string]> = [
  ["aws_access_key_id", "ASIANEWKEY"],
  ["aws_secret_access_key", "new/secret+key"],
  ["aws_session_token", "newtoken=="],
  ["hdoc_expiration", "2026-01-01T00:00:00.000Z"],
];
const NEW = (eol = "\n") => VALUES.map(([k, v]) => `${k} = ${v}${eol}`).join("");
/** Files in these tables are byte strings: one character per byte ("\xe9" is the byte E9). */
const bytes = (s: string) => Buffer.from(s, "latin1");
const edit = (s: string, name = "mfa") => setProfile(bytes(s), name, VALUES).toString("latin1");

// [name, before, after]: the edit of profile "mfa" in a credentials file, byte for byte
const EDITS: Array<[string, string, string]> = [
  ["an empty file", "", `[mfa]\n${NEW()}`],
  ["a file without a trailing newline", "[default]\nregion = x", `[default]\nregion = x\n\n[mfa]\n${NEW()}`],
  ["CRLF line ends and ; and # comments", "# top\r\n[default]\r\n; note\r\nkey=1\r\n", `# top\r\n[default]\r\n; note\r\nkey=1\r\n\r\n[mfa]\r\n${NEW("\r\n")}`],
  ["only comments", "# nothing yet\n", `# nothing yet\n\n[mfa]\n${NEW()}`],
  // found by the property test in credentials-file.test.ts: without any "\n", the "\n" added after a final
  // "\r" made the first line CRLF, so a second edit rewrote the section's LF lines as CRLF
  ["a file with no \\n that ends in \\r", "region = \r", `region = \r\n\r\n[mfa]\r\n${NEW("\r\n")}`],
  ["the target header alone, ending in \\r", "[mfa]\r", `[mfa]\r\n${NEW("\r\n")}`],
  [
    "the target first, with its old keys",
    "[mfa]\naws_access_key_id = OLD\naws_secret_access_key = OLD\naws_session_token = OLD\nhdoc_expiration = 2020-01-01T00:00:00Z\n\n# work account\n[work]\nk = v\n",
    `[mfa]\n${NEW()}\n# work account\n[work]\nk = v\n`,
  ],
  [
    "the target in the middle, with extra keys and a continuation line",
    "[a]\nk=1\n[mfa]\nregion = eu-west-1\naws_session_token=OLD\n  continued\noutput = json\n\n[b]\nk=2\n",
    "[a]\nk=1\n[mfa]\nregion = eu-west-1\naws_session_token = newtoken==\noutput = json\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n\n[b]\nk=2\n",
  ],
  [
    "the target last, without a trailing newline",
    "[a]\nk=1\n\n[mfa]\naws_session_token = OLD",
    "[a]\nk=1\n\n[mfa]\naws_session_token = newtoken==\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n",
  ],
  [
    "duplicate target sections (merged into the first; the gaps after them stay)",
    "[mfa]\nregion = x\naws_session_token = OLD1\n\n[b]\nk=2\n\n[mfa]\n# dup\noutput = json\naws_session_token = OLD2\n\n# c follows\n[c]\n",
    "[mfa]\nregion = x\naws_session_token = newtoken==\n# dup\noutput = json\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n\n[b]\nk=2\n\n\n# c follows\n[c]\n",
  ],
  [
    "a duplicate target section starting with an indented line that continues nothing (it goes)",
    "[mfa]\nhdoc_expiration = \n[mfa]\n  x",
    "[mfa]\nhdoc_expiration = 2026-01-01T00:00:00.000Z\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\naws_session_token = newtoken==\n",
  ],
  [
    "a duplicate target section with indented keys (they stay keys, not continuations)",
    "[mfa]\naws_session_token = OLD\n[mfa]\n  region = x\n  output = json\n",
    "[mfa]\naws_session_token = newtoken==\nregion = x\noutput = json\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n",
  ],
  [
    "look-alike sections that are other profiles",
    "[ mfa ]\na=1\n[profile mfa]\nb=2\n[mfa-prod]\nc=3\n[MFA]\nd=4\n",
    `[ mfa ]\na=1\n[profile mfa]\nb=2\n[mfa-prod]\nc=3\n[MFA]\nd=4\n\n[mfa]\n${NEW()}`,
  ],
  [
    "upper-case keys, ':' delimiters, a repeated key and inline comments",
    "[mfa]\nAWS_SESSION_TOKEN: OLD # old\naws_session_token = OLDER\nregion = x ; keep\n",
    "[mfa]\naws_session_token = newtoken==\nregion = x ; keep\naws_access_key_id = ASIANEWKEY\naws_secret_access_key = new/secret+key\nhdoc_expiration = 2026-01-01T00:00:00.000Z\n",
  ],
  ["a header-only target followed by comments", "[mfa]\n# keep me\n[b]\n", `[mfa]\n${NEW()}# keep me\n[b]\n`],
  [
    "many profiles with the target among them",
    "[p1]\nk=1\n\n[p2]\nk=2\n\n[mfa]\nx=y\n\n[p3]\nk=3\n\n[p4]\nk=4\n",
    `[p1]\nk=1\n\n[p2]\nk=2\n\n[mfa]\nx=y\n${NEW()}\n[p3]\nk=3\n\n[p4]\nk=4\n`,
  ],
  // the cases of issue 11: each failed on the string-based editor
  ["a Latin-1 comment (byte E9) before the target", "# caf\xe9\n[mfa]\naws_session_token = OLD\n", `# caf\xe9\n[mfa]\naws_session_token = newtoken==\n${NEW().split("\n").filter((l) => l && !l.startsWith("aws_session_token")).join("\n")}\n`],
  ["a Latin-1 byte in another section's value", "[work]\nowner = Ren\xe9e\n", `[work]\nowner = Ren\xe9e\n\n[mfa]\n${NEW()}`],
  ["a UTF-8 BOM directly before [mfa]", "\xef\xbb\xbf[mfa]\naws_session_token = OLD\n", `\xef\xbb\xbf[mfa]\naws_session_token = newtoken==\n${NEW().split("\n").filter((l) => l && !l.startsWith("aws_session_token")).join("\n")}\n`],
  ["a comment touching the header's ]", "[mfa]; session profile\naws_session_token = OLD\n[b]\n", `[mfa]; session profile\naws_session_token = newtoken==\n${NEW().split("\n").filter((l) => l && !l.startsWith("aws_session_token")).join("\n")}\n[b]\n`],
  ["a comment after the header", "[mfa] # note\naws_session_token = OLD\n", `[mfa] # note\naws_session_token = newtoken==\n${NEW().split("\n").filter((l) => l && !l.startsWith("aws_session_token")).join("\n")}\n`],
  [
    "a replaced key's continuation after a blank line (configparser continues the value across it)",
    "[mfa]\naws_session_token = OLD\n\n  tail-of-old-token\n[b]\n",
    `[mfa]\naws_session_token = newtoken==\n\n${NEW().split("\n").filter((l) => l && !l.startsWith("aws_session_token")).join("\n")}\n[b]\n`,
  ],
  [
    "indented keys in the target keep their indent (an unindented key would swallow the next as a continuation)",
    "[mfa]\n  aws_session_token = OLD\n  region = x\n",
    `[mfa]\n  aws_session_token = newtoken==\n  region = x\n${NEW().split("\n").filter((l) => l && !l.startsWith("aws_session_token")).join("\n")}\n`,
  ],
];

describe("setProfile, byte for byte", () => {
  it.each(EDITS)("edits %s", (_name, before, expected) => {
    const after = edit(before);
    expect(after).toBe(expected);
    expect(edit(after)).toBe(after);
    for (const [k, v] of VALUES) expect(parseProfileFile(bytes(after)).profiles.get("mfa")?.[k]).toBe(v);
  });

  it("gives the AWS CLI (botocore) the new session in every edited file it can read", async () => {
    const afters = EDITS.map(([, before]) => bytes(edit(before)));
    const views = await botocoreRead(afters);
    views.forEach((view, i) => {
      const problem = cliProblem(afters[i]!);
      if (problem === undefined) {
        expect(view, EDITS[i]![0]).toMatchObject({ ok: true });
        const mfa = view.ok ? view.sections.mfa : undefined;
        for (const [k, v] of VALUES) expect(mfa?.[k], `${EDITS[i]![0]}: ${k}`).toBe(v);
      } else {
        expect(view, `${EDITS[i]![0]}: ${problem}`).toMatchObject({ ok: false });
      }
    });
    // the Latin-1 and BOM files and a key before any header are the ones botocore refuses; the adjacent-comment headers it reads
    expect(EDITS.map(([n], i) => [n, views[i]!.ok]).filter(([, ok]) => !ok).map(([n]) => n)).toEqual(["a file with no \\n that ends in \\r", "a Latin-1 comment (byte E9) before the target", "a Latin-1 byte in another section's value", "a UTF-8 BOM directly before [mfa]"]);
  });

  it("writes the session profile of the config file as [profile <name>], and finds it however it is spaced", () => {
    expect(setProfile(bytes("[default]\nregion = x\n"), "mfa", [["region", "eu-west-1"]], "config").toString("latin1")).toBe("[default]\nregion = x\n\n[profile mfa]\nregion = eu-west-1\n");
    expect(setProfile(bytes("[profile  mfa ]\noutput = json\n[mfa]\n"), "mfa", [["region", "eu-west-1"]], "config").toString("latin1")).toBe("[profile  mfa ]\noutput = json\nregion = eu-west-1\n[mfa]\n");
  });

  it("refuses a profile name that would break the file", () => {
    expect(() => setProfile("", "a]\n[b", VALUES)).toThrow(HdocError);
    expect(() => setProfile("", "mfa", [["aws_session_token", "a\nb"]])).toThrow(HdocError);
  });
});

// The cross-SDK profile-file cases (as in awslabs/aws-c-sdkutils' profile tests), config files:
// [name, file, expected profiles]
const CONFORMANCE: Array<[string, string, Record<string, Record<string, string>>]> = [
  ["a simple property", "[profile foo]\nname = value", { foo: { name: "value" } }],
  ["an = inside the value", "[profile foo]\nname = val=ue", { foo: { name: "val=ue" } }],
  ["a UTF-8 value", "[profile foo]\nname = \xf0\x9f\x98\x82", { foo: { name: "\u{1F602}" } }],
  ["whitespace around name and value", "[profile foo]\nname \t=  \tvalue \t", { foo: { name: "value" } }],
  ["an empty value", "[profile foo]\nname =", { foo: { name: "" } }],
  ["empty profiles", "[profile foo]\n[profile bar]", { foo: {}, bar: {} }],
  ["whitespace in the profile header", "[profile \tfoo \t]", { foo: {} }],
  ["blank lines with whitespace", "\t \n[profile foo]\n\t\n \nname = value\n\t \n[profile bar]\n \t", { foo: { name: "value" }, bar: {} }],
  ["# comments", "# Comment\n[profile foo] # Comment\nname = value # Comment with # sign", { foo: { name: "value" } }],
  ["; comments", "; Comment\n[profile foo] ; Comment\nname = value ; Comment with ; sign", { foo: { name: "value" } }],
  ["empty comments", ";\n[profile foo];\nname = value ;\n", { foo: { name: "value" } }],
  ["comments adjacent to profile names", "[profile foo]; Adjacent semicolons\n[profile bar]# Adjacent pound signs", { foo: {}, bar: {} }],
  ["comments adjacent to values are part of them", "[profile foo]\nname = value; Adjacent semicolons\nname2 = value# Adjacent pound signs", { foo: { name: "value; Adjacent semicolons", name2: "value# Adjacent pound signs" } }],
  ["a continued value", "[profile foo]\nname = value\n -continued\n -and-continued", { foo: { name: "value\n-continued\n-and-continued" } }],
  ["duplicate profiles merge", "[profile foo]\nname = value\n[profile foo]\nname2 = value2", { foo: { name: "value", name2: "value2" } }],
  ["a duplicate property: the last wins", "[profile foo]\nname = value\nname = value2", { foo: { name: "value2" } }],
  ["a section without the profile prefix is no profile", "[foo]\nname = value", {}],
  ["[default] needs no prefix", "[default]\nname = value", { default: { name: "value" } }],
  ["all valid profile name characters", "[profile ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/.%@:+]", { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/.%@:+": {} }],
  // botocore (configparser) on top: option names are case-insensitive, ':' separates too
  ["upper-case key names", "[default]\nAWS_ACCESS_KEY_ID = AKIA1\nAws_Secret_Access_Key: s", { default: { aws_access_key_id: "AKIA1", aws_secret_access_key: "s" } }],
];

describe("parseProfileFile reads what the SDKs and the AWS CLI read", () => {
  it.each(CONFORMANCE)("%s", (_name, file, expected) => {
    expect(Object.fromEntries(parseProfileFile(bytes(file), "config").profiles)).toEqual(expected);
  });

  it("reads a credentials file's [profile foo] as a profile named 'profile foo'", () => {
    expect([...parseProfileFile("[profile foo]\nname = value", "credentials").profiles.keys()]).toEqual(["profile foo"]);
  });
});

describe("cliProblem says what the AWS CLI refuses", () => {
  const cases: Array<[string, string, string | undefined]> = [
    ["a clean file", "[a]\nk = 1\n\n[b]\nk = 2\n", undefined],
    ["adjacent comments", "[a]; x\nk = 1\n", undefined],
    ["a BOM", "\xef\xbb\xbf[a]\nk = 1\n", "it starts with a byte-order mark (line 1)"],
    ["a Latin-1 byte", "[a]\n# caf\xe9\nk = 1\n", "it holds bytes that are not UTF-8 (line 2)"],
    ["a file saved as UTF-16", `\xff\xfe${Buffer.from("[a]\nk = 1\n", "utf16le").toString("latin1")}`, "it is UTF-16LE, not UTF-8 (its byte-order mark, line 1)"],
    ["a duplicate section", "[a]\nk = 1\n[b]\n[a]\n", "section [a] appears twice (line 4)"],
    ["a key before any section", "k = 1\n[a]\n", "a key comes before any [section] header (line 1)"],
    ["a duplicate key", "[a]\nk = 1\nK = 2\n", "key k appears twice in one section (line 3)"],
    ["a line that is nothing", "[a]\nwhat\n", "a line is neither a [section], a key = value nor a comment (line 2)"],
  ];
  it.each(cases)("%s", (_name, file, expected) => {
    expect(cliProblem(bytes(file))).toBe(expected);
  });

  it("agrees with botocore on each of them", async () => {
    const views = await botocoreRead(cases.map(([, f]) => bytes(f)));
    expect(views.map((v) => v.ok)).toEqual(cases.map(([, , problem]) => problem === undefined));
  });
});
