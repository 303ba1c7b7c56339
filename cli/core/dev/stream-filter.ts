/** Lambda event filtering (FilterCriteria patterns) for stream records, the common subset: exact values, prefix, exists, anything-but, numeric ranges. */
export function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((p) => matchRule(p, value));
  if (pattern && typeof pattern === "object") {
    return Object.entries(pattern).every(([k, p]) => {
      const v = value && typeof value === "object" ? (value as Record<string, unknown>)[k] : undefined;
      if (Array.isArray(p) && p.some((r) => r && typeof r === "object" && "exists" in r)) return p.some((r) => matchRule(r, v));
      return v !== undefined && matchesPattern(p, v);
    });
  }
  return false;
}

function matchRule(rule: unknown, v: unknown): boolean {
  if (rule === null || typeof rule !== "object") return v === rule;
  const r = rule as Record<string, unknown>;
  if ("exists" in r) return r.exists ? v !== undefined : v === undefined;
  if (typeof r.prefix === "string") return typeof v === "string" && v.startsWith(r.prefix);
  if ("anything-but" in r) return !(Array.isArray(r["anything-but"]) ? r["anything-but"] : [r["anything-but"]]).includes(v);
  if (Array.isArray(r.numeric)) {
    const n = Number(v);
    if (Number.isNaN(n)) return false;
    const ops = r.numeric as Array<string | number>;
    for (let i = 0; i + 1 < ops.length; i += 2) {
      const x = Number(ops[i + 1]);
      const ok = { "=": n === x, ">": n > x, ">=": n >= x, "<": n < x, "<=": n <= x }[String(ops[i])];
      if (!ok) return false;
    }
    return true;
  }
  return false;
}
