/** ANSI colours; callers go through Io.color, which applies them only on a TTY without NO_COLOR. */
const CODES = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;
export const paint = (text: string, c: Colour): string => `\u001b[${CODES[c]}m${text}\u001b[0m`;
// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, "");
