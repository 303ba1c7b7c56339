/** The client's end of the build server's socket: connecting, and asking a server to stop. */
import type { Socket } from "node:net";
import { ANSWER_MS, encode, lineReader, type ServerMessage } from "./protocol.ts";

/** A connection to the socket, or undefined when nothing listens there (a server that was killed). */
export async function connectTo(socket: string, timeoutMs = 2000): Promise<Socket | undefined> {
  // node:net only when there is a server to talk to: a build's client without one does not load it
  // (synchronously: an import() would start the ES module loader in the CommonJS client)
  const { connect } = process.getBuiltinModule("node:net");
  return new Promise((resolve) => {
    const sock = connect(socket);
    const fail = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(undefined);
    };
    const timer = setTimeout(fail, timeoutMs);
    sock.once("error", fail);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.removeListener("error", fail);
      resolve(sock);
    });
  });
}

/** Asks the server on `socket` to stop; resolves with its pid once it said so, undefined when none answered (within ANSWER_MS). */
export async function askToStop(socket: string): Promise<number | undefined> {
  const sock = await connectTo(socket);
  if (!sock) return undefined;
  return new Promise((resolve) => {
    let pid: number | undefined;
    const silent = setTimeout(() => sock.destroy(), ANSWER_MS);
    sock.on("data", lineReader((m) => {
      const msg = m as ServerMessage;
      // it answered: a server finishing a build first ("stopping") may take as long as the build
      clearTimeout(silent);
      if (msg.t === "stopped") pid = msg.pid;
    }, () => sock.destroy()));
    sock.on("error", () => undefined);
    sock.on("close", () => {
      clearTimeout(silent);
      resolve(pid);
    });
    sock.write(encode({ t: "stop" }));
  });
}
