/**
 * Durations given on the command line: plain seconds (`43200`), or a number with a unit
 * (`900s`, `90m`, `12h`), or units combined (`1h30m`). Returns whole seconds.
 */
import { HdocError } from "../../errors.ts";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

export interface DurationRule {
  /** The flag named in errors, e.g. "--duration". */
  flag: string;
  minSeconds: number;
  maxSeconds: number;
}

/** Formats seconds the way a user would type them (43200 -> "12h", 5400 -> "1h30m"). */
export function describeSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h}h` : "", m ? `${m}m` : "", s || seconds === 0 ? `${s}s` : ""].join("");
}

export function parseDuration(text: string, rule: DurationRule): number {
  const t = text.trim().toLowerCase();
  let seconds: number | undefined;
  if (/^\d+$/.test(t)) {
    seconds = Number(t);
  } else if (/^(\d+[hms])+$/.test(t)) {
    const units = [...t.matchAll(/(\d+)([hms])/g)].map((m) => m[2]!);
    // each unit at most once, largest first (1h30m, not 30m1h or 1h1h)
    if (units.join("") === [...new Set(units)].sort((a, b) => UNIT_SECONDS[b]! - UNIT_SECONDS[a]!).join("")) {
      seconds = [...t.matchAll(/(\d+)([hms])/g)].reduce((sum, m) => sum + Number(m[1]) * UNIT_SECONDS[m[2]!]!, 0);
    }
  }
  const range = `${describeSeconds(rule.minSeconds)} (${rule.minSeconds}) to ${describeSeconds(rule.maxSeconds)} (${rule.maxSeconds})`;
  if (seconds === undefined) {
    throw new HdocError("USAGE", `${rule.flag} ${JSON.stringify(text)} is not a duration`, `give seconds (43200) or hours/minutes (12h, 90m, 1h30m), from ${range}`);
  }
  if (seconds < rule.minSeconds || seconds > rule.maxSeconds) {
    throw new HdocError("USAGE", `${rule.flag} ${text} is out of range: it must be from ${range}`, undefined);
  }
  return seconds;
}

/** STS GetSessionToken's limits for IAM users. */
export const SESSION_DURATION: Omit<DurationRule, "flag"> = { minSeconds: 900, maxSeconds: 129_600 };
