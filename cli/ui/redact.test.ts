import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Redactor } from "./redact.ts";
import { Io } from "./io.ts";

// secrets as AWS makes them: base64-ish, with the characters that change when escaped or encoded
const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN = "IQoJb3JpZ2luX2VjEPz//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def+ghi==";
const secretChars = fc.stringMatching(/^[A-Za-z0-9/+=]{16,60}$/).filter((s) => /[/+=]/.test(s));

const redactorWith = (...secrets: string[]) => {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return r;
};

describe("Redactor masks a secret in the forms it really leaks in", () => {
  it("as is, in any surrounding text", () => {
    fc.assert(
      fc.property(secretChars, fc.string(), fc.string(), (secret, before, after) => {
        expect(redactorWith(secret).redact(before + secret + after)).not.toContain(secret);
      }),
    );
  });

  it("URL-encoded, as a SignatureDoesNotMatch message quotes the canonical query string", () => {
    // STS's message for a Query request signed with the wrong secret quotes what it signed
    const message =
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. " +
      `The Canonical String for this request should have been 'POST\n/\nAction=GetSessionToken&Version=2011-06-15&X-Amz-Security-Token=${encodeURIComponent(TOKEN)}\n...'`;
    const out = redactorWith(TOKEN).redact(message);
    expect(out).not.toContain(encodeURIComponent(TOKEN));
    expect(out).toContain("X-Amz-Security-Token=****");
    fc.assert(
      fc.property(secretChars, (secret) => {
        const r = redactorWith(secret);
        const encoded = encodeURIComponent(secret);
        expect(r.redact(`q=${encoded}&x`)).toBe("q=****&x");
        expect(r.redact(`q=${encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`)).toBe("q=****");
      }),
    );
  });

  it("JSON-escaped, as an error quoted inside a JSON document (\\/ and \\u002B)", () => {
    const r = redactorWith(SECRET_KEY, TOKEN);
    const nested = JSON.stringify({ error: JSON.stringify({ message: `bad key ${SECRET_KEY}` }) });
    expect(r.redact(nested)).not.toContain(SECRET_KEY);
    const javaStyle = JSON.stringify({ token: TOKEN }).replace(/\//g, "\\/").replace(/\+/g, "\\u002B");
    expect(r.redact(javaStyle)).toBe('{"token":"****"}');
    // and the document the command prints with --json
    const printed: string[] = [];
    const io = new Io({ stdout: { write: (s: string) => printed.push(s) } as never, stderr: { write: () => true } as never, stdinIsTTY: false, json: true, verbose: false, color: false, yes: false, prompts: {} as never, redactor: r });
    io.result({ message: `AWS said: ${TOKEN}` });
    io.flushResult(); // main prints the one document when the command ends
    expect(printed.join("")).not.toContain(TOKEN);
    expect(JSON.parse(printed.join(""))).toEqual({ message: "AWS said: ****" });
  });

  it("quoted in an AWS error message, with the access key id by its shape even when not registered", () => {
    const r = redactorWith(SECRET_KEY);
    const msg = `AccessDenied: User: arn:aws:iam::123456789012:user/alice is not authorized (Credential=AKIAIOSFODNN7EXAMPLE/20260301/us-east-1/sts/aws4_request, key '${SECRET_KEY}')`;
    const out = r.redact(msg);
    expect(out).not.toContain(SECRET_KEY);
    expect(out).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(out).toContain("Credential=AKIA****/20260301");
  });

  it("split across two writes of a live progress line", () => {
    fc.assert(
      fc.property(secretChars, fc.nat(), fc.stringMatching(/^[ a-z:]{0,10}$/), (secret, at, before) => {
        const cut = 1 + (at % (secret.length - 1));
        const written: string[] = [];
        const stream = redactorWith(secret).stream((t) => written.push(t));
        stream.write(before + secret.slice(0, cut));
        stream.write(secret.slice(cut) + " done");
        stream.flush();
        expect(written.join("")).not.toContain(secret);
        expect(written.join("")).toBe(`${before}**** done`);
      }),
    );
  });

  it("a secret's start left at the end of a progress line is not printed", () => {
    const written: string[] = [];
    const stream = redactorWith(SECRET_KEY).stream((t) => written.push(t));
    stream.write(`key ${SECRET_KEY.slice(0, 20)}`);
    stream.write("\r\u001b[K");
    stream.flush();
    expect(written.join("")).not.toContain(SECRET_KEY.slice(0, 20));
    // an access key id split between two writes, unregistered, by its shape
    const shaped: string[] = [];
    const s2 = new Redactor().stream((t) => shaped.push(t));
    s2.write("using AKIAIOSF");
    s2.write("ODNN7EXAMPLE now");
    s2.flush();
    expect(shaped.join("")).toBe("using AKIA**** now");
  });

  it("masks GitHub tokens by shape even when not registered", () => {
    expect(new Redactor().redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789 and github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJ")).toBe("gh*_**** and github_pat_****");
  });
});
