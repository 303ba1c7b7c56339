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
