/** How `hdoc dev` writes what it has to say (server.ts's DevOptions.log). */
export interface DevLog {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  request(line: string): void;
  verbose(line: string): void;
}

/**
 * The request log written once per turn of the event loop (one write for all the requests answered
 * in it, where a write per request cost the server a system call each under load); any other line
 * writes the pending ones first, so the order is kept.
 */
export function batchedRequestLog(log: DevLog): DevLog & { flush(): void } {
  let pending: string[] = [];
  const flush = () => {
    if (!pending.length) return;
    const lines = pending.join("\n");
    pending = [];
    log.request(lines);
  };
  const first = <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => {
    flush();
    f(...a);
  };
  return {
    info: first(log.info), warn: first(log.warn), error: first(log.error), verbose: first(log.verbose),
    request: (line) => {
      if (!pending.length) setImmediate(flush);
      pending.push(line);
    },
    flush,
  };
}

/**
 * Query parameters whose values are credentials by their name: tokens of every kind (access_token,
 * id_token, X-Amz-Security-Token), secrets, passwords, signatures (X-Amz-Signature), credentials,
 * session and auth values, API keys, an OAuth `code`. Matched on the name as the handler decodes it,
 * any case. A page cursor (`nextToken`, this API's own) and an `author` are not credentials.
 */
const SECRET_PARAM = /token|secret|passw|signature|credential|session|auth|jwt|api[-_ ]?key|(?:^|[-_. ])(?:key|code|sig|pwd)$/i;
const NOT_SECRET = /^(?:next|page|continuation|start|pagination)[-_ ]?token$|^authors?(?:[-_ ]?(?:id|name))?$/i;

/**
 * The request's URL as the request log shows it: the values of credential-named query parameters
 * replaced by `****`, the rest as sent, so the line still says which request it was. A second `?`
 * (a client appending `?token=` to a URL that has a query) separates parameters here too, and a
 * fragment (which clients do not send; the handler never gets one) is shown as `#****`.
 */
export function loggedUrl(url: string): string {
  const hash = url.indexOf("#");
  const fragment = hash < 0 ? "" : hash === url.length - 1 ? "#" : "#****";
  const rest = hash < 0 ? url : url.slice(0, hash);
  const q = rest.indexOf("?");
  if (q < 0) return rest + fragment;
  // [pair, separator, pair, ...]
  const parts = rest.slice(q + 1).split(/([&?])/);
  for (let i = 0; i < parts.length; i += 2) {
    const pair = parts[i]!;
    const eq = pair.indexOf("=");
    if (eq < 0 || eq === pair.length - 1) continue;
    const name = new URLSearchParams(pair).keys().next().value ?? "";
    if (SECRET_PARAM.test(name) && !NOT_SECRET.test(name)) parts[i] = `${pair.slice(0, eq)}=****`;
  }
  return `${rest.slice(0, q)}?${parts.join("")}${fragment}`;
}
