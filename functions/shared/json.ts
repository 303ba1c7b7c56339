/**
 * JSON output that keeps DynamoDB numbers exact: the document client is configured with
 * `wrapNumbers`, so numbers arrive as NumberValue (the decimal text as stored) and are written
 * back as that text, never through a JavaScript double.
 */
import { NumberValue } from "@aws-sdk/lib-dynamodb";

/** JSON.stringify's rules (undefined/function members dropped, toJSON honoured), plus exact NumberValue/bigint. */
export function toJson(value: unknown): string {
  return write(value) ?? "null";
}

function write(v: unknown): string | undefined {
  if (v instanceof NumberValue) return v.value;
  if (typeof v === "bigint") return v.toString();
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
  if (v instanceof Set) return write([...v]);
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return write((v as { toJSON(): unknown }).toJSON());
  if (Array.isArray(v)) return `[${v.map((x) => write(x) ?? "null").join(",")}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const w = write(x);
    if (w !== undefined) parts.push(`${JSON.stringify(k)}:${w}`);
  }
  return `{${parts.join(",")}}`;
}
