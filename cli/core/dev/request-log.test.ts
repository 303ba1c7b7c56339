import { describe, expect, it } from "vitest";
import { batchedRequestLog, loggedUrl, type DevLog } from "./request-log.ts";

const recorder = () => {
  const writes: string[] = [];
  const log: DevLog = { info: (l) => writes.push(`info ${l}`), warn: (l) => writes.push(`warn ${l}`), error: (l) => writes.push(`error ${l}`), request: (l) => writes.push(`request ${l}`), verbose: (l) => writes.push(`verbose ${l}`) };
  return { log, writes };
};
const turn = () => new Promise((r) => setImmediate(r));

describe("the request log of hdoc dev", () => {
  it("writes the lines of one turn of the event loop in one write, in order", async () => {
    const { log, writes } = recorder();
    const b = batchedRequestLog(log);
    b.request("GET /a 200");
    b.request("GET /b 404");
    expect(writes).toEqual([]);
    await turn();
    expect(writes).toEqual(["request GET /a 200\nGET /b 404"]);
    b.request("GET /c 200");
    await turn();
    expect(writes).toEqual(["request GET /a 200\nGET /b 404", "request GET /c 200"]);
  });

  it("writes pending request lines before any other line, so the order on the console is the order of events", () => {
    const { log, writes } = recorder();
    const b = batchedRequestLog(log);
    b.request("GET /a 200");
    b.error("Api/Fn failed: boom");
    b.request("GET /b 500");
    b.warn("w");
    b.request("GET /c 200");
    b.flush();
    expect(writes).toEqual(["request GET /a 200", "error Api/Fn failed: boom", "request GET /b 500", "warn w", "request GET /c 200"]);
  });
});

describe("the URL the request log shows", () => {
  it.each([
    ["/users/octocat", "/users/octocat"],
    ["/tags?limit=10&next=abc", "/tags?limit=10&next=abc"],
    ["/cb?code=4/0AX4XfWh&state=xyz", "/cb?code=****&state=xyz"],
    ["/a?access_token=eyJhbGciOi.eyJzdWIi.sig&id_token=eyJ2&refresh_token=r1", "/a?access_token=****&id_token=****&refresh_token=****"],
    ["/a?X-Amz-Credential=AKIA%2F20261202&X-Amz-Signature=abc123&X-Amz-Security-Token=FQoG&X-Amz-Date=20261202T000000Z", "/a?X-Amz-Credential=****&X-Amz-Signature=****&X-Amz-Security-Token=****&X-Amz-Date=20261202T000000Z"],
    ["/a?apiKey=k1&api_key=k2&key=k3&client_secret=s&password=p&Authorization=Bearer%20t&session=s2", "/a?apiKey=****&api_key=****&key=****&client_secret=****&password=****&Authorization=****&session=****"],
    // the name as decoded (%5F is _), any case; an empty value or a bare name is left as sent
    ["/a?ACCESS%5FTOKEN=t&token=&token&monkey=m&keyword=k", "/a?ACCESS%5FTOKEN=****&token=&token&monkey=m&keyword=k"],
    // the name as the handler's URLSearchParams decodes it (a malformed escape becomes U+FFFD, + a space); the value is not looked at
    ["/a?%E0token=t&q=%E0&%74oken%FF=t2&api+key=k", "/a?%E0token=****&q=%E0&%74oken%FF=****&api+key=****"],
    // page cursors (this API's own nextToken) and authors are not credentials
    ["/users?limit=5&nextToken=dTpvY3RvY2F0&page_token=p&author=ada&author_id=7", "/users?limit=5&nextToken=dTpvY3RvY2F0&page_token=p&author=ada&author_id=7"],
    // a second ? (a token appended to a URL that had a query) separates too; a fragment is never shown
    ["/a?x=1?access_token=t", "/a?x=1?access_token=****"],
    ["/cb#access_token=t&state=s", "/cb#****"],
    ["/a?x=1#frag", "/a?x=1#****"],
    ["/a?x=1#", "/a?x=1#"],
  ])("%s", (url, shown) => {
    expect(loggedUrl(url)).toBe(shown);
  });
});
