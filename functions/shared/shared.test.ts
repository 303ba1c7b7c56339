import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { NumberValue } from "@aws-sdk/lib-dynamodb";
import { containerHandler, respond } from "./http.ts";
import { requireEnv } from "./env.ts";
import { toJson } from "./json.ts";
import { memoryLogger } from "./log.ts";
import { encodePageToken, githubUsername, pageToken } from "./validation.ts";

describe("githubUsername", () => {
  it.each(["a", "A1", "octo-cat", "a-b-c", "x".repeat(39), "0"])("accepts %j", (u) => expect(githubUsername(u)).toBe(u.toLowerCase()));
  it.each(["", "-a", "a-", "a--b", "x".repeat(40), "a_b", "a.b", "a b", "ä"])("rejects %j", (u) => expect(() => githubUsername(u)).toThrow());
});

describe("toJson", () => {
  it("writes stored numbers as their exact decimal text, strings untouched", () => {
    const text = toJson({ a: NumberValue.from("123456789012345678901234567890.25"), b: 10n, s: "\u0000num:1", list: [NumberValue.from("-5")] });
    expect(text).toBe('{"a":123456789012345678901234567890.25,"b":10,"s":"\\u0000num:1","list":[-5]}');
  });

  it("writes everything else exactly as JSON.stringify does", () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => toJson(v) === JSON.stringify(v)));
    expect(toJson({ d: new Date(0), u: undefined, tags: new Set(["a"]), l: [undefined] })).toBe('{"d":"1970-01-01T00:00:00.000Z","tags":["a"],"l":[null]}');
  });
});

describe("page tokens", () => {
  it("round-trip and reject anything else", () => {
    expect(pageToken(encodePageToken("octocat"))).toBe("octocat");
    expect(() => pageToken(Buffer.from('{"u":1}').toString("base64url"))).toThrow();
  });
});

describe("containerHandler", () => {
  it("answers a logged 500 when the environment lacks a table name, and builds once when it has it", async () => {
    const log = memoryLogger();
    const env: NodeJS.ProcessEnv = {};
    let builds = 0;
    const handler = containerHandler("t", log, () => {
      const table = requireEnv("USERS_TABLE", env);
      builds++;
      return async () => respond(200, { table });
    });
    const res = await handler({}, { awsRequestId: "r1" });
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ error: { code: "INTERNAL", message: "internal error", requestId: "r1" } });
    expect(String((log.entries[0]?.fields.error as Error).message)).toMatch(/USERS_TABLE/);
    env.USERS_TABLE = "Users";
    await handler({});
    expect(JSON.parse((await handler({})).body)).toEqual({ table: "Users" });
    expect(builds).toBe(1);
  });
});
