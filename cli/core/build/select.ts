/** Functions named on the command line: a logical id when it is unambiguous, else the nested id ("Api/GetUserFunction"). */
import { HdocError } from "../../errors.ts";
import type { FunctionInfo } from "../cfn/templates.ts";

/** The function a name means; `option` prefixes the messages ("--function X"). */
export function findFunction(functions: FunctionInfo[], name: string, option = name): FunctionInfo {
  const exact = functions.find((f) => f.id === name);
  if (exact) return exact;
  const byLogical = functions.filter((f) => f.logicalId === name);
  if (byLogical.length === 1) return byLogical[0]!;
  if (byLogical.length > 1) {
    throw new HdocError("USAGE", `${option} matches ${byLogical.length} functions: ${byLogical.map((f) => f.id).join(", ")}`, `name it by its nested id, e.g. ${option.replace(name, byLogical[0]!.id)}`);
  }
  throw new HdocError("NOT_FOUND", `${option}: no such function in the templates`, `known functions: ${functions.map((f) => f.id).join(", ") || "none"} (hdoc build --list)`);
}

/** Picks the functions named by --function (all when none is named). */
export function selectFunctions(functions: FunctionInfo[], names: string[]): Set<string> {
  if (!names.length) return new Set(functions.map((f) => f.id));
  return new Set(names.map((name) => findFunction(functions, name, `--function ${name}`).id));
}
