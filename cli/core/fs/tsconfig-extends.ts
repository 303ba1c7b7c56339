/**
 * Where a tsconfig.json's `extends` leads, looked up as esbuild looks it up (its resolver follows
 * TypeScript's rules), so that the files that decide the answer can be stamped:
 *
 * - a relative or absolute name (`../tsconfig.base`, `.`): that file; when it is not a file and the
 *   name does not end in `.json`, the name with `.json`; `.` and `..` mean their folder's tsconfig.json;
 * - a package name (`@tsconfig/node20/tsconfig.json`, `@tsconfig/node20`): in each folder from the
 *   tsconfig's up (folders named node_modules skipped), `node_modules/<package>/package.json` — its
 *   `exports` (as a require) and its `tsconfig` field can name the file — then `<name>/tsconfig.json`,
 *   `<name>` and `<name>.json` under node_modules; the first file found is the base.
 *
 * `tried` is every file looked at up to the one found, present or not: creating one of them, or
 * editing a package.json among them, can change which base is used.
 */
import path from "node:path";

/** How the files are read (resolution-inputs.ts memoises them for one build). */
export interface FileReads {
  text(file: string): string | undefined;
  isFile(file: string): boolean;
}

/** The text of a JSON file with comments (tsconfig.json allows them) as JSON: comments blanked outside strings, trailing commas dropped. */
export function jsoncToJson(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
      out += " ";
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, "$1");
}

/** The names a tsconfig.json extends (a string or a list); none when it does not parse or has none. */
export function extendsNames(text: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(jsoncToJson(text.replace(/^\uFEFF/, "")));
  } catch {
    return [];
  }
  const ext = doc && typeof doc === "object" && !Array.isArray(doc) ? (doc as { extends?: unknown }).extends : undefined;
  const names = typeof ext === "string" ? [ext] : Array.isArray(ext) ? ext : [];
  return names.filter((n): n is string => typeof n === "string" && n !== "");
}

const isPackageName = (n: string) => !path.isAbsolute(n) && !/^\.\.?(\/|$)/.test(n);

/** "@scope/pkg/sub/x.json" -> ["@scope/pkg", "./sub/x.json"]; "pkg" -> ["pkg", "."]. */
function splitPackage(name: string): [string, string] {
  const parts = name.split("/");
  const n = name.startsWith("@") ? 2 : 1;
  const rest = parts.slice(n).join("/");
  return [parts.slice(0, n).join("/"), rest ? `./${rest}` : "."];
}

/** The target `exports` gives a subpath under the require conditions (exact keys and one-`*` patterns), if any. */
function exportsTarget(exportsField: unknown, subpath: string): string | undefined {
  const pick = (v: unknown, star?: string): string | undefined => {
    if (typeof v === "string") return star === undefined ? v : v.replace(/\*/g, star);
    if (Array.isArray(v)) {
      for (const x of v) {
        const r = pick(x, star);
        if (r) return r;
      }
      return undefined;
    }
    if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) if (k === "require" || k === "node" || k === "default") return pick(x, star);
    }
    return undefined;
  };
  if (typeof exportsField === "string" || Array.isArray(exportsField)) return subpath === "." ? pick(exportsField) : undefined;
  if (!exportsField || typeof exportsField !== "object") return undefined;
  const map = exportsField as Record<string, unknown>;
  if (!Object.keys(map).some((k) => k.startsWith("."))) return subpath === "." ? pick(map) : undefined;
  if (subpath in map) return pick(map[subpath]);
  for (const [k, v] of Object.entries(map)) {
    const star = k.indexOf("*");
    if (star < 0) continue;
    const [before, after] = [k.slice(0, star), k.slice(star + 1)];
    if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= k.length - 1) return pick(v, subpath.slice(before.length, subpath.length - after.length));
  }
  return undefined;
}

/**
 * The base a tsconfig.json's `extends` name leads to, and every file looked at on the way. `within`:
 * the folder the lookup stays in (the repository): node_modules above it are not looked at.
 */
export function lookUpExtends(name: string, tsconfigFile: string, within: string, fs: FileReads): { tried: string[]; base?: string } {
  const tried: string[] = [];
  const tryFile = (f: string): boolean => {
    tried.push(f);
    return fs.isFile(f);
  };
  const dir = path.dirname(tsconfigFile);
  if (!isPackageName(name)) {
    const f = name === "." || name === ".." ? path.join(path.resolve(dir, name), "tsconfig.json") : path.resolve(dir, name);
    if (tryFile(f)) return { tried, base: f };
    if (!f.endsWith(".json") && tryFile(`${f}.json`)) return { tried, base: `${f}.json` };
    return { tried };
  }
  const [pkg, subpath] = splitPackage(name);
  for (let current = dir; ; current = path.dirname(current)) {
    if (path.basename(current) !== "node_modules") {
      const pkgDir = path.join(current, "node_modules", pkg);
      const manifest = path.join(pkgDir, "package.json");
      tried.push(manifest);
      let join = path.join(current, "node_modules", name);
      const text = fs.text(manifest);
      if (text !== undefined) {
        let doc: { tsconfig?: unknown; exports?: unknown } = {};
        try {
          doc = JSON.parse(text) as typeof doc;
        } catch {
          // esbuild reports a broken package.json; the stamp of the file is what matters here
        }
        if (typeof doc.tsconfig === "string") join = path.resolve(pkgDir, doc.tsconfig);
        const target = doc.exports === undefined ? undefined : exportsTarget(doc.exports, subpath);
        if (target && tryFile(path.join(pkgDir, target))) return { tried, base: path.join(pkgDir, target) };
      }
      for (const f of [path.join(join, "tsconfig.json"), join, `${join}.json`]) if (tryFile(f)) return { tried, base: f };
    }
    const up = path.dirname(current);
    if (current === within || up === current || !(current + path.sep).startsWith(within + path.sep)) break;
  }
  return { tried };
}
