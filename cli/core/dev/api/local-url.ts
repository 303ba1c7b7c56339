/**
 * A function's environment value that is the deployed URL of one of the templates' Apis
 * (https://<Api>.execute-api.<region>.amazonaws.com/<stage>/...) points at the local API instead,
 * so backend components (the Statistics Parser) call the routes hdoc dev serves.
 */
export function localApiUrl(value: string, apiLogicalIds: Set<string>, localBase: string): string {
  const m = /^https:\/\/([A-Za-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\/.*)?$/.exec(value);
  return m && apiLogicalIds.has(m[1]!) ? `${localBase}${m[2] ?? ""}` : value;
}
