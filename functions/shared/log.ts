/** Structured JSON logs, one line per entry (Lambda's JSON log format passes them through). */
export type Level = "debug" | "info" | "warn" | "error";
export type Logger = (level: Level, message: string, fields?: Record<string, unknown>) => void;

const errorFields = (v: unknown): unknown =>
  v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v;

/** Writes one JSON line to stdout. */
export const jsonLogger: Logger = (level, message, fields = {}) => {
  const entry: Record<string, unknown> = { timestamp: new Date().toISOString(), level: level.toUpperCase(), message };
  for (const [k, v] of Object.entries(fields)) entry[k] = errorFields(v);
  process.stdout.write(`${JSON.stringify(entry)}\n`);
};

/** A logger that keeps entries in memory (tests). */
export function memoryLogger(): Logger & { entries: Array<{ level: Level; message: string; fields: Record<string, unknown> }> } {
  const entries: Array<{ level: Level; message: string; fields: Record<string, unknown> }> = [];
  const log = ((level: Level, message: string, fields: Record<string, unknown> = {}) => {
    entries.push({ level, message, fields });
  }) as Logger & { entries: typeof entries };
  log.entries = entries;
  return log;
}
