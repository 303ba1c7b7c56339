/**
 * What an unquoted (plain) YAML scalar means in a CloudFormation template: the YAML 1.1 implicit
 * types as PyYAML's SafeLoader resolves them, which is what cfn-lint's decoder, the SAM translator
 * and the SAM CLI read templates with. Timestamps stay text (the SAM CLI reads them as strings, and
 * CloudFormation takes `AWSTemplateFormatVersion: 2010-09-09` as the string it is).
 *
 * Where the `yaml` package's own 1.1 schema differs, this table wins: `.` and `._` are text (not NaN),
 * `y`/`n` are text (not booleans), `1e5` and `1.0e5` are text (PyYAML's floats need a dot and a signed
 * exponent), `-.5` is text, `08` is text (neither octal nor decimal).
 */
import type { Json } from "./json.ts";

const BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const BOOL_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** Base-60 digits ("1:20" -> 80), as YAML 1.1 reads them. */
function sexagesimal(digits: string): number {
  return digits.split(":").reduce((acc, d) => acc * 60 + Number(d), 0);
}

function intValue(text: string): number {
  let s = text.replace(/_/g, "");
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s.startsWith("0b")) return sign * parseInt(s.slice(2), 2);
  if (s.startsWith("0x")) return sign * parseInt(s.slice(2), 16);
  if (s.startsWith("0")) return sign * parseInt(s, 8);
  if (s.includes(":")) return sign * sexagesimal(s);
  return sign * Number(s);
}

function floatValue(text: string): number {
  let s = text.replace(/_/g, "").toLowerCase();
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === ".inf") return sign * Infinity;
  if (s === ".nan") return NaN;
  if (s.includes(":")) {
    const [whole, frac] = [s.slice(0, s.lastIndexOf(":")), s.slice(s.lastIndexOf(":") + 1)];
    return sign * (sexagesimal(whole) * 60 + Number(frac || "0"));
  }
  return sign * Number(s);
}

/** The longest word the table reads as other than text ("false", "FALSE"). */
const LONGEST_WORD = 5;

/** The value of a plain scalar (`text` as written, without quotes). */
export function plainScalar(text: string): Json {
  // Numbers start with a digit, a sign or a dot, null with "~" or a letter; the words are at most five
  // letters: longer text that starts with a letter is text (most keys and values of a template).
  const c = text.charCodeAt(0) | 0x20;
  if (text.length > LONGEST_WORD && c >= 0x61 && c <= 0x7a) return text;
  if (NULL.test(text)) return null;
  if (BOOL_TRUE.test(text)) return true;
  if (BOOL_FALSE.test(text)) return false;
  if (INT.test(text)) return intValue(text);
  if (FLOAT.test(text)) return floatValue(text);
  return text;
}

/** Does this text, written unquoted, read back as the same string? (Otherwise it must be quoted.) */
export const plainKeepsString = (text: string): boolean => typeof plainScalar(text) === "string" && text === text.trim() && text !== "" && !/[\n:#]|^[-?&*!|>'"%@`{}[\],]/.test(text);
