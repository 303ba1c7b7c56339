import { describe, expect, it } from "vitest";
import { mapAwsError } from "./errors.ts";
import { EXIT_CODES, HdocError } from "../errors.ts";

const sdkError = (name: string, message = "m", extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 }, ...extra });
const call = { action: "codebuild:ListSourceCredentials", endpoint: "http://127.0.0.1:1" };

describe("mapAwsError", () => {
  it.each([
    ["ExpiredToken", "AUTH", /session has expired/, /hdoc mfa login/],
    ["ExpiredTokenException", "AUTH", /session has expired/, /hdoc mfa login/],
    ["InvalidClientTokenId", "AUTH", /rejected the credentials/, /keys/],
    ["UnrecognizedClientException", "AUTH", /rejected the credentials/, /keys/],
    ["CredentialsProviderError", "AUTH", /no AWS credentials/, /hdoc mfa login/],
    ["AccessDeniedException", "AWS", /access denied: codebuild:ListSourceCredentials/, /grant codebuild:ListSourceCredentials/],
    ["ResourceNotFoundException", "NOT_FOUND", /not found/, undefined],
    ["InvalidInputException", "AWS", /rejected the request: m/, undefined],
    ["SomethingNew", "AWS", /failed: SomethingNew \(HTTP 400\): m/, undefined],
  ] as const)("maps %s to %s", (name, code, message, hint) => {
    const e = mapAwsError(sdkError(name), call);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    if (hint) expect(e.hint).toMatch(hint);
  });

  it("recognises an unreachable endpoint by the socket error code", () => {
    const e = mapAwsError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), call);
    expect(e.code).toBe("NETWORK");
    expect(e.exitCode).toBe(EXIT_CODES.NETWORK);
    expect(e.message).toContain("http://127.0.0.1:1");
  });

  it("says a 5xx is a server-side error instead of echoing an unparseable body", () => {
    const e = mapAwsError(Object.assign(new Error("@aws-sdk XML parse error: mismatched tags"), { name: "Error", $metadata: { httpStatusCode: 500 } }), call);
    expect(e.message).toBe("the AWS endpoint at http://127.0.0.1:1 answered codebuild:ListSourceCredentials with HTTP 500 (a server-side error)");
  });

  it("passes an HdocError through unchanged", () => {
    const original = new HdocError("USAGE", "x");
    expect(mapAwsError(original, call)).toBe(original);
  });
});
