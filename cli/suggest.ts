/** "Did you mean …?" for commands, options and enumerated values, by edit distance. */

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest choices to `value` (case-insensitive), if any is close enough to be a likely typo:
 * at most a third of the longer word's letters differ, or the value is a prefix of exactly that choice.
 */
export function closest(value: string, choices: readonly string[]): string[] {
  const v = value.toLowerCase();
  const scored = choices.map((c) => ({ c, d: editDistance(v, c.toLowerCase()) })).filter(({ c, d }) => d <= Math.max(1, Math.floor(Math.max(v.length, c.length) / 3)));
  const best = Math.min(...scored.map((s) => s.d));
  const near = scored.filter((s) => s.d === best).map((s) => s.c);
  if (near.length) return near;
  const prefixed = choices.filter((c) => v.length >= 2 && c.toLowerCase().startsWith(v));
  return prefixed.length === 1 ? prefixed : [];
}

/** " (did you mean x?)" or "", for appending to a message. */
export function didYouMean(value: string, choices: readonly string[]): string {
  const near = closest(value, choices);
  return near.length ? `did you mean ${near.map((n) => `'${n}'`).join(" or ")}?` : "";
}
