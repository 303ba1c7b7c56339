/**
 * Files other tools read only as UTF-8 (CloudFormation templates, whose readers cfn-lint, the SAM CLI
 * and `aws cloudformation package` refuse anything else; JSON): where the bytes stop being UTF-8, so
 * hdoc refuses such a file as they do instead of turning each bad byte into U+FFFD, which a written
 * template would then carry in place of the original bytes.
 */
import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { HdocError } from "../../errors.ts";

export interface NotUtf8 {
  /** The first byte that does not start (or continue) a UTF-8 sequence. */
  byte: number;
  line: number;
  /** In characters, from 1. */
  column: number;
  /** The file's encoding, when it starts with that encoding's byte-order mark (a file saved as UTF-16 by Windows tools). */
  bom?: Bom;
}

type Bom = "UTF-16LE" | "UTF-16BE" | "UTF-32LE" | "UTF-32BE";
/** Longest first: UTF-32LE's mark starts with UTF-16LE's. */
const BOMS: Array<[Bom, number[]]> = [
  ["UTF-32LE", [0xff, 0xfe, 0x00, 0x00]],
  ["UTF-32BE", [0x00, 0x00, 0xfe, 0xff]],
  ["UTF-16LE", [0xff, 0xfe]],
  ["UTF-16BE", [0xfe, 0xff]],
];
const bomOf = (buf: Buffer): Bom | undefined => BOMS.find(([, mark]) => mark.every((b, i) => buf[i] === b))?.[0];

/** Where the first byte that is not UTF-8 is, or undefined when all of it is. */
export function firstNonUtf8(bytes: Uint8Array): NotUtf8 | undefined {
  if (isUtf8(bytes)) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Decoded with U+FFFD for each bad sequence and encoded again, the bytes agree up to the first bad one.
  const again = Buffer.from(buf.toString("utf8"), "utf8");
  let at = 0;
  while (at < buf.length && buf[at] === again[at]) at++;
  // A bad sequence that starts with EF or EF BF agrees with the replacement's first bytes (EF BF BD); EF
  // only ever starts a character, so the bad one starts there.
  if (buf[at - 1] === 0xef) at -= 1;
  else if (buf[at - 1] === 0xbf && buf[at - 2] === 0xef) at -= 2;
  const lineStart = buf.lastIndexOf(0x0a, at - 1) + 1;
  let line = 1;
  for (let i = buf.indexOf(0x0a); i !== -1 && i < at; i = buf.indexOf(0x0a, i + 1)) line++;
  const bom = bomOf(buf);
  return { byte: buf[at]!, line, column: [...buf.subarray(lineStart, at).toString("utf8")].length + 1, ...(bom ? { bom } : {}) };
}

const hex = (b: number) => b.toString(16).toUpperCase().padStart(2, "0");

/** The position and the byte, in one phrase (and the encoding the file is in, when its byte-order mark says). */
export const describeNonUtf8 = (p: NotUtf8): string =>
  p.bom
    ? `the file is ${p.bom} (it starts with that encoding's byte-order mark, ${BOMS.find(([b]) => b === p.bom)![1].map(hex).join(" ")}), not UTF-8`
    : `byte 0x${hex(p.byte)} at line ${p.line}, column ${p.column} is not UTF-8`;

/** How to convert it: from the encoding its byte-order mark names (iconv reads the mark and drops it), else from Latin-1, the usual other one. */
const convert = (p: NotUtf8) => `e.g. with iconv -f ${p.bom ? p.bom.slice(0, 6) : "latin1"} -t utf-8`;

/** `why`: who reads the file only as UTF-8, ending the message. */
export class NotUtf8Error extends Error {
  constructor(readonly at: NotUtf8, why: string) {
    super(`${describeNonUtf8(at)} (${why}: save the file as UTF-8, ${convert(at)})`);
  }
}

/** The bytes as text, or the error `refuse` makes of where they stop being UTF-8. */
function utf8Or(bytes: Buffer, refuse: (bad: NotUtf8) => Error): string {
  const bad = firstNonUtf8(bytes);
  if (bad) throw refuse(bad);
  return bytes.toString("utf8");
}

/** The file's text; NotUtf8Error when it is not UTF-8 (read errors are thrown as they come). */
export const readUtf8File = (file: string, why: string): string => utf8Or(readFileSync(file), (bad) => new NotUtf8Error(bad, why));

/** Why a template must be UTF-8. */
export const TEMPLATES_ARE_UTF8 = "CloudFormation, cfn-lint and the SAM CLI read templates only as UTF-8";

/**
 * A settings or input file's text for a command: bytes that are not UTF-8 are an HdocError (`code`)
 * naming `shown` and where, with the fix; `why` says who reads the file only as UTF-8.
 */
export const utf8OrRefuse = (bytes: Buffer, shown: string, code: "USAGE" | "NOT_VALID", why: string): string =>
  utf8Or(bytes, (bad) => new HdocError(code, `${shown}: ${describeNonUtf8(bad)}`, `save it as UTF-8 (${why}), ${convert(bad)}`));
