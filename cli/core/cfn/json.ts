/** The values a template holds once parsed (JSON's, whatever the source format), and the one mapping test. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type TemplateBody = { [k: string]: Json };

/** A JSON/YAML mapping (not an array, not null). */
export const isObj = (v: unknown): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);
