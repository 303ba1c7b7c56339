/**
 * DynamoDB's JSON 1.0 wire protocol (POST / with `X-Amz-Target: DynamoDB_20120810.<Operation>` and an
 * `application/x-amz-json-1.0` body), spoken without the AWS SDK: what hdoc dev needs to set up its
 * embedded database (the tables, the seed items) from the database's own thread, so that loading the
 * SDK is not part of starting. An error answer (`{"__type": "...#ResourceInUseException", "message"}`)
 * becomes an Error named as the service names it, as the SDK names its exceptions. The request
 * carries an Authorization header of SigV4's form, unsigned: it goes only to the embedded dynalite,
 * which checks the header's presence and form, not the signature.
 */
import http from "node:http";

/** One operation: its name ("CreateTable") and input; resolves to the output document. */
export type DynamoCall = (operation: string, input: object) => Promise<Record<string, unknown>>;

export class DynamoServiceError extends Error {
  constructor(name: string, message: string, readonly status: number) {
    super(message);
    this.name = name;
  }
}

/** "20260101T000000Z" */
const amzDate = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

/** A caller of the endpoint's operations over one keep-alive agent; `close()` ends its sockets. */
export function dynamoJsonCall(endpoint: string, o: { region: string; accessKeyId: string }): DynamoCall & { close(): void } {
  const url = new URL(endpoint);
  const agent = new http.Agent({ keepAlive: true });
  const call = (operation: string, input: object) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const body = JSON.stringify(input);
      const date = amzDate(new Date());
      const req = http.request({
        agent,
        host: url.hostname,
        port: url.port,
        path: "/",
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.0",
          "Content-Length": Buffer.byteLength(body),
          "X-Amz-Target": `DynamoDB_20120810.${operation}`,
          "X-Amz-Date": date,
          Authorization: `AWS4-HMAC-SHA256 Credential=${o.accessKeyId}/${date.slice(0, 8)}/${o.region}/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${"0".repeat(64)}`,
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let doc: Record<string, unknown>;
          try {
            doc = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            return reject(new DynamoServiceError("SerializationException", `${operation}: not a JSON answer (HTTP ${res.statusCode}): ${text.slice(0, 200)}`, res.statusCode ?? 0));
          }
          if (res.statusCode === 200) return resolve(doc);
          const type = typeof doc.__type === "string" ? doc.__type : "UnknownError";
          const message = typeof doc.message === "string" ? doc.message : typeof doc.Message === "string" ? doc.Message : `HTTP ${res.statusCode}`;
          reject(new DynamoServiceError(type.slice(type.lastIndexOf("#") + 1), message, res.statusCode ?? 0));
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  return Object.assign(call, { close: () => agent.destroy() });
}
