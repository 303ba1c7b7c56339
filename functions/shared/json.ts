/**
 * JSON output that keeps DynamoDB numbers exact: the document client is configured with
 * `wrapNumbers`, so numbers arrive as NumberValue (the decimal text as stored) and are written
 * back as that text, never through a JavaScript double.
 */
import { NumberValue } from "@aws-sdk/lib-dynamodb";

const MARK = "\u0000num:";

export function toJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof NumberValue) return `${MARK}${v.value}`;
    if (typeof v === "bigint") return `${MARK}${v.toString()}`;
    if (v instanceof Set) return [...v];
    return v;
  });
  // A marked string is "\u0000num:<digits>"; JSON.stringify escapes NUL as \u0000.
  return text.replace(/"\\u0000num:(-?[0-9][0-9.eE+-]*)"/g, "$1");
}

/** The decimal text of a stored number (NumberValue, bigint or number). */
export function numberText(v: unknown): string | undefined {
  if (v instanceof NumberValue) return v.value;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}
