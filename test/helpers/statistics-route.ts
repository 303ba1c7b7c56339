/**
 * POST /statistics behind a loopback "API Gateway" that does what the deployed AWS_IAM route does:
 * the SigV4 signature checked against known keys (403 `{"message": ...}` as API Gateway answers
 * otherwise), then the record-statistics handler invoked with the signer in
 * `requestContext.identity`. For the Statistics Parser's tests.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ApiHandler } from "../../functions/shared/http.ts";
import { verifySigV4, type LocalCredentials } from "../../cli/core/dev/auth/sigv4.ts";
import { loadEvent } from "./events.ts";
import { repoRoot } from "./tables.ts";
import path from "node:path";

export interface StatisticsRoute {
  url: string;
  /** Every request: the status answered and the parsed body. */
  calls: Array<{ status: number; body: unknown }>;
  /** Makes the next `count` calls answer `status` before the handler runs. */
  failNext(status: number, count?: number): void;
  stop(): Promise<void>;
}

export async function startStatisticsRoute(handler: ApiHandler, keys: LocalCredentials[], region = "us-east-1"): Promise<StatisticsRoute> {
  const calls: StatisticsRoute["calls"] = [];
  let failing: { status: number; count: number } | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const reply = (status: number, doc: unknown) => {
        calls.push({ status, body: (() => { try { return JSON.parse(body.toString()); } catch { return body.toString(); } })() });
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(doc));
      };
      if (failing && failing.count > 0) {
        failing.count--;
        return reply(failing.status, { message: "Internal server error" });
      }
      const check = await verifySigV4({ method: req.method ?? "POST", url: req.url ?? "/", rawHeaders: req.rawHeaders, body }, { keys, region, now: new Date() });
      if (!check.ok) return reply(403, { message: check.message });
      const event = loadEvent(path.join(repoRoot, "functions/record-statistics"), "record-statistics", { body: body.toString("utf8") });
      (event.requestContext as { identity: Record<string, unknown> }).identity.userArn = check.credentials.arn;
      const out = await handler(event);
      reply(out.statusCode, JSON.parse(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev/statistics`,
    calls,
    failNext(status, count = 1) {
      failing = { status, count };
    },
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
