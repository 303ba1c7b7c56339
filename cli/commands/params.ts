import { HdocError } from "../errors.ts";

/** Repeated --param Name=Value options (build, dev): a root template parameter each. */
export function parseParams(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const i = p.indexOf("=");
    if (i <= 0) throw new HdocError("USAGE", `--param ${JSON.stringify(p)} is not Name=Value`, "e.g. --param Stage=dev");
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}
