/**
 * What a client and the build server say to each other over the Unix socket: one JSON document per
 * line. The client sends a request (and later, at most, an interrupt); the server answers at once
 * (`accepted`, or why not: busy, stale, declined), then with the command's output as it comes and the
 * exit code last. A connection that ends without `exit` means the server stopped mid-build: the client
 * then builds in its own process.
 */

import { StringDecoder } from "node:string_decoder";

/** What a terminal stream is, so the command draws for it as it would in the client's own process. */
export interface StreamInfo {
  isTTY: boolean;
  columns?: number;
}

export type ClientMessage =
  | { t: "build"; stamp: string; argv: string[]; cwd: string; env: Record<string, string>; stdout: StreamInfo; stderr: StreamInfo }
  | { t: "stop" }
  | { t: "interrupt"; signal: string };

export type ServerMessage =
  | { t: "accepted"; pid: number }
  | { t: "busy"; pid: number }
  | { t: "declined"; pid: number }
  | { t: "stopping"; pid: number }
  | { t: "stale"; pid: number }
  | { t: "out"; data: string }
  | { t: "err"; data: string }
  | { t: "exit"; code: number }
  | { t: "stopped"; pid: number };

/** The longest line either side accepts (a request holds an environment: far less than this). */
export const MAX_LINE = 4 * 1024 * 1024;

export const encode = (m: ClientMessage | ServerMessage): string => JSON.stringify(m) + "\n";

/**
 * Splits a byte stream into JSON lines; `onMessage` gets each parsed document, `onBad` a line that is
 * not JSON or a stream that goes past MAX_LINE without a newline (after which nothing more is read).
 */
export function lineReader(onMessage: (m: unknown) => void, onBad: (why: string) => void): (chunk: Buffer) => void {
  let pending = "";
  let broken = false;
  // a character's bytes may be split across chunks: the decoder keeps the first part for the next one
  const decoder = new StringDecoder("utf8");
  return (chunk) => {
    if (broken) return;
    pending += decoder.write(chunk);
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.trim()) continue;
      let m: unknown;
      try {
        m = JSON.parse(line);
      } catch {
        broken = true;
        onBad("a line that is not JSON");
        return;
      }
      onMessage(m);
    }
    if (pending.length > MAX_LINE) {
      broken = true;
      onBad(`a line longer than ${MAX_LINE} bytes`);
    }
  };
}

/** How long a client waits for a server's first answer: a server whose event loop is stuck answers nothing. */
export const ANSWER_MS = 3000;
