/** Does this source text export `name` (ESM or CommonJS)? Comments are ignored. Kept apart from checks.ts so that the bundler uses it without loading the YAML reader. */
export function exportsName(source: string, name: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
  const n = name.replace(/[$]/g, "\\$");
  return [
    new RegExp(`\\bexport\\s+(?:async\\s+)?function\\*?\\s+${n}\\b`),
    new RegExp(`\\bexport\\s+(?:const|let|var)\\s+${n}\\b`),
    new RegExp(`\\bexport\\s*\\{[^}]*\\b(?:as\\s+)?${n}\\s*(?:,[^}]*)?\\}`),
    new RegExp(`\\b(?:module\\.)?exports\\.${n}\\s*=`),
  ].some((re) => re.test(code));
}
