/** Forwards one request, as received, to another loopback endpoint (moto): for endpoints that serve only part of AWS. */
import http from "node:http";

export function forward(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse, to: string): void {
  const url = new URL(to);
  const upstream = http.request(
    { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: { ...req.headers, host: url.host, "content-length": String(raw.length) } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on("error", (e) => res.writeHead(502, { "content-type": "text/plain" }).end(`proxy to ${to} failed: ${e.message}`));
  upstream.end(raw);
}
