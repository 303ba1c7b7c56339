import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { runHdoc, tempHome } from "../helpers/hdoc.ts";
import { freePort } from "../helpers/net.ts";
import { eventually, fixtureProject, startHdocDev, type RunningDev } from "../helpers/dev-server.ts";

const h = tempHome();
const project = fixtureProject("test/fixtures/dev");
let dev: RunningDev;

beforeAll(async () => {
  dev = await startHdocDev(["--port", String(await freePort()), "--seed-file", "seed.json"], { cwd: project.dir, home: h.home });
});
afterAll(async () => {
  await dev?.stop();
  project.cleanup();
  h.cleanup();
});

const get = async (p: string, init?: RequestInit) => {
  const r = await fetch(dev.url + p, init);
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
};

describe("hdoc dev (fixture project: nested stacks, five functions, a stream)", () => {
  it("serves seeded items through a path with two parameters", async () => {
    const r = await get("/items/ada/a1");
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ owner: "ada", id: "a1", value: 3 });
  });

  it("writes through a POST route and reads it back; the stage prefix of a deployed URL works too", async () => {
    const post = await get("/items/grace", { method: "POST", body: JSON.stringify({ id: "g1", value: 10 }), headers: { "Content-Type": "application/json" } });
    expect(post.status).toBe(201);
    expect((await get("/items/grace/g1")).json()).toEqual({ owner: "grace", id: "g1", value: 10 });
    expect((await get("/dev/items/grace/g1")).status).toBe(200);
  });

  it("runs the stream consumer after writes: seeded items and a new write both reach the totals", async () => {
    expect((await get("/totals/ada")).json()).toMatchObject({ total: 7 });
    await get("/items/linus", { method: "POST", body: JSON.stringify({ id: "l1", value: 5 }) });
    const ddb = new DynamoDBClient({ endpoint: dev.dynamoEndpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    await ddb.send(new PutItemCommand({ TableName: "ItemsTable", Item: { owner: { S: "linus" }, item_id: { S: "l2" }, value: { N: "6" } } }));
    ddb.destroy();
    const total = await eventually(async () => {
      const r = await get("/totals/linus");
      return r.status === 200 && r.json().total === 11 ? r.json() : undefined;
    });
    expect(total).toEqual({ owner: "linus", total: 11 });
  });

  it("gives each write its own stream record: a put and an update right after it arrive as INSERT, then MODIFY", async () => {
    const ddb = new DynamoDBClient({ endpoint: dev.dynamoEndpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const Key = { owner: { S: "turing" }, item_id: { S: "t1" } };
    await ddb.send(new PutItemCommand({ TableName: "ItemsTable", Item: { ...Key, value: { N: "1" } } }));
    await ddb.send(new UpdateItemCommand({ TableName: "ItemsTable", Key, UpdateExpression: "ADD #v :two", ExpressionAttributeNames: { "#v": "value" }, ExpressionAttributeValues: { ":two": { N: "2" } } }));
    // The consumer notes the last record's eventName (the old 200 ms table diff saw one INSERT of the final item here).
    const total = await eventually(async () => {
      const item = (await ddb.send(new GetItemCommand({ TableName: "TotalsTable", Key: { owner: { S: "turing" } } }))).Item;
      return item?.total?.N === "3" && item.last_event?.S === "MODIFY" ? item : undefined;
    });
    ddb.destroy();
    expect(total).toEqual({ owner: { S: "turing" }, total: { N: "3" }, last_event: { S: "MODIFY" } });
  });

  it("builds a REST proxy event: multi-value query and headers, greedy path, body, request context", async () => {
    const r = await get("/echo/a/b%20c?x=1&x=2&y=3", { method: "PUT", body: "hello", headers: { "X-Test": "yes", "Content-Type": "text/plain" } });
    expect(r.status).toBe(200);
    expect(r.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    const { event } = r.json() as { event: Record<string, unknown> & { requestContext: Record<string, unknown> & { identity: Record<string, unknown> } } };
    expect(event).toMatchObject({
      resource: "/echo/{proxy+}",
      path: "/echo/a/b%20c",
      httpMethod: "PUT",
      pathParameters: { proxy: "a/b c" },
      queryStringParameters: { x: "2", y: "3" },
      multiValueQueryStringParameters: { x: ["1", "2"], y: ["3"] },
      body: "hello",
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({ "X-Test": "yes" }); // original case kept, as API Gateway does
    expect(event.multiValueHeaders).toMatchObject({ "X-Test": ["yes"] });
    expect(event.requestContext).toMatchObject({ stage: "dev", resourcePath: "/echo/{proxy+}", httpMethod: "PUT" });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers.get("x-amzn-requestid")).toBe(event.requestContext.requestId);
    expect(event.requestContext.identity.sourceIp).toBe("127.0.0.1");
  });

  it("prefers a literal path over {proxy+}, as API Gateway does", async () => {
    const r = await get("/echo/exact");
    expect((r.json().event as { resource: string }).resource).toBe("/echo/exact");
  });

  it("passes binary bodies base64-encoded and decodes base64 responses", async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x10]);
    const r = await get("/echo/upload", { method: "POST", body: bytes, headers: { "Content-Type": "application/octet-stream" } });
    const { event } = r.json() as { event: { body: string; isBase64Encoded: boolean } };
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, "base64")).toEqual(bytes);
    const bin = await fetch(`${dev.url}/echo/file?binary=1`);
    expect(Buffer.from(await bin.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it("gives each function its own environment from the templates", async () => {
    const { env, functionName } = (await get("/echo/env")).json() as { env: Record<string, string>; functionName: string };
    expect(env).toEqual({ ITEMS_TABLE: "echo-sees-its-own-value", GREETING: "hello from dev in us-east-1", STAGE: "dev", AWS_REGION: "us-east-1" });
    expect(functionName).toBe("EchoFunction");
    // GetItemFunction's ITEMS_TABLE is the real table (it served the seeded item above).
    expect((await get("/items/ada/a2")).status).toBe(200);
  });

  it("answers CORS preflight from the Api's Cors setting", async () => {
    const r = await get("/items/ada", { method: "OPTIONS", headers: { Origin: "http://localhost:5173", "Access-Control-Request-Method": "POST" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    expect(r.headers.get("access-control-allow-methods")).toBe("OPTIONS,POST");
    expect(r.headers.get("access-control-allow-headers")).toBe("Content-Type,Authorization");
    expect(r.headers.get("access-control-max-age")).toBe("600");
  });

  it("answers an unknown route or method with 403 Missing Authentication Token, as API Gateway (was 404)", async () => {
    for (const [method, p] of [["GET", "/nope"], ["DELETE", "/items/ada/a1"]] as const) {
      const r = await get(p, { method });
      expect(r.status).toBe(403);
      expect(r.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
      expect(r.json()).toEqual({ message: "Missing Authentication Token" });
    }
  });

  it("turns a throwing handler into API Gateway's 502 (was 500) with no details, the stack trace on the console only", async () => {
    const r = await get("/boom");
    expect(r.status).toBe(502);
    expect(r.text).toBe('{"message":"Internal server error"}');
    await eventually(async () => (dev.stderr().includes("boom: the fixture handler failed on purpose") ? true : undefined));
    expect(dev.stderr()).toMatch(/functions\/boom\/handler\.ts:2/);
  });

  it("logs one line per request: method, path, status, duration", async () => {
    await get("/items/ada/a1?log=1");
    await eventually(async () => (/GET \/items\/ada\/a1\?log=1 200 \d+(\.\d+)?ms/.test(dev.stderr()) ? true : undefined));
  });

  it("shows credential-named query parameters as **** in the request log; the handler still gets them (was: the token on the console)", async () => {
    const token = "s3cr3t-t0ken-4e1a9c";
    const r = await get(`/echo/x?access_token=${token}&X-Amz-Signature=${token}&log=2`);
    expect(r.status).toBe(200);
    expect(((r.json().event as Record<string, unknown>).queryStringParameters as Record<string, string>).access_token).toBe(token);
    await eventually(async () => (dev.stderr().includes("GET /echo/x?access_token=****&X-Amz-Signature=****&log=2 200 ") ? true : undefined));
    expect(dev.stderr()).not.toContain(token);
  });

  it("picks up an edited handler without a restart", async () => {
    const file = path.join(project.dir, "functions/echo/handler.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace('const VERSION = "v1"', 'const VERSION = "v2"'));
    const version = await eventually(async () => {
      const v = (await get("/echo/version")).json().version;
      return v === "v2" ? v : undefined;
    });
    expect(version).toBe("v2");
  });
});

describe("hdoc dev: starting and stopping", () => {
  it("keeps data in --data-dir across restarts and stops cleanly on SIGTERM", async () => {
    const data = mkdtempSync(path.join(tmpdir(), "hdoc-dev-data-"));
    try {
      const port = String(await freePort());
      const first = await startHdocDev(["--port", port, "--data-dir", data], { cwd: project.dir, home: h.home });
      const w = await fetch(`${first.url}/items/kept`, { method: "POST", body: JSON.stringify({ id: "k1", value: 1 }) });
      expect(w.status).toBe(201);
      const stopped = await first.stop();
      expect(stopped.exitCode).toBe(0);
      expect(stopped.stderr).toContain("stopped");
      const second = await startHdocDev(["--port", port, "--data-dir", data], { cwd: project.dir, home: h.home });
      const r = await fetch(`${second.url}/items/kept/k1`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ owner: "kept", id: "k1", value: 1 });
      await second.stop();
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  it("refuses a port in use with exit 2 and suggests --port", async () => {
    const port = new URL(dev.url).port;
    const r = await runHdoc(["dev", "--port", port], { home: h.home, cwd: project.dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(r.stderr).toContain("--port");
  });

  it("reports template problems like the template checks, exit 9", async () => {
    const broken = fixtureProject("test/fixtures/dev");
    try {
      const web = path.join(broken.dir, "infra/web.yml");
      writeFileSync(web, readFileSync(web, "utf8").replace("CodeUri: ../functions/boom", "CodeUri: ../functions/missing"));
      const r = await runHdoc(["dev", "--port", "0"], { home: h.home, cwd: broken.dir });
      expect(r.exitCode).toBe(9);
      expect(r.stderr).toContain('infra/web.yml BoomFunction: CodeUri "../functions/missing" does not exist');
    } finally {
      broken.cleanup();
    }
  });
});
