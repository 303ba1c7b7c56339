/**
 * How `hdoc dev` stops with requests in flight: it takes no new connection (idle keep-alive ones close
 * at once), lets the functions answer the requests it has, for a few seconds, and says how many it
 * waits for; then the functions stop (a request still unanswered gets 502). A second Ctrl-C stops at once.
 */
import type { Server, ServerResponse } from "node:http";

/** How long a stop waits for the requests in flight to be answered. */
export const DRAIN_MS = 5000;
/** How long, once the functions have stopped, the 502 of a request the drain gave up on may take to be sent. */
export const ANSWERED_AFTER_STOP_MS = 500;

/** Resolves when `done` does, or after `ms`, whichever comes first: true when `done` did. */
export async function afterAtMost(done: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([done.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The requests a server has not answered yet. */
export interface InFlight {
  readonly size: number;
  /** Resolves once none is left. */
  none(): Promise<void>;
  /**
   * From now on each connection ends with its current response (`Connection: close`), and one left idle
   * is closed: a keep-alive client's next request cannot arrive once the count reached none.
   */
  closing(): void;
}

/** Follows the server's requests from their arrival to their response's close. */
export function trackInFlight(server: Server): InFlight {
  const open = new Set<ServerResponse>();
  let waiting: Array<() => void> = [];
  let closing = false;
  const lastOnConnection = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader("Connection", "close");
  };
  server.on("request", (_req, res: ServerResponse) => {
    open.add(res);
    if (closing) lastOnConnection(res);
    res.once("close", () => {
      open.delete(res);
      // a response whose headers were sent before the stop leaves its connection open and idle
      if (closing) server.closeIdleConnections();
      if (open.size) return;
      const wake = waiting;
      waiting = [];
      for (const w of wake) w();
    });
  });
  return {
    get size() {
      return open.size;
    },
    none: () => (open.size ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
    closing: () => {
      closing = true;
      for (const res of open) lastOnConnection(res);
    },
  };
}

const requests = (n: number) => `${n} request${n === 1 ? "" : "s"}`;

/** The first step of a stop: no new connection, and the requests in flight answered for up to `ms`. */
export async function drain(server: Server, inFlight: InFlight, log: { info(line: string): void; warn(line: string): void }, ms = DRAIN_MS): Promise<void> {
  server.close();
  inFlight.closing();
  if (!inFlight.size) return server.closeAllConnections();
  log.info(`waiting for ${requests(inFlight.size)} in flight to be answered (up to ${ms / 1000} s; Ctrl-C again stops now)`);
  const answered = await afterAtMost(inFlight.none(), ms);
  const left = inFlight.size;
  if (!answered) log.warn(`${requests(left)} still in flight after ${ms / 1000} s: ${left === 1 ? "it answers" : "they answer"} 502`);
  // every connection left is idle, or holds a request not yet read in full, which no function would answer now
  else server.closeAllConnections();
}
