// `hdoc dev` started for a benchmark as a user would (built binary, clean environment, a free port),
// ready when it says so; its request log is drained, not kept.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { setInterval, clearInterval } from "node:timers";

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Starts `hdoc dev --json` in `root` with `args`; resolves to `{ url, dynamoEndpoint, pid, stop() }`. */
export async function startDev(root, args) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, "bin/hdoc.js"), "dev", "--json", "--port", String(port), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "", err = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (err.includes("ready;") && out.trim().endsWith("}")) {
        clearInterval(t);
        child.stderr.removeAllListeners("data").resume();
        resolve();
      }
    }, 50);
    child.once("exit", (code) => { clearInterval(t); reject(new Error(`hdoc dev exited ${code}: ${err}`)); });
  });
  const doc = JSON.parse(out);
  const closed = new Promise((r) => child.once("close", r));
  // A child that already ended (its "exit" fired) is not waited for again.
  return { ...doc, pid: child.pid, stop: () => { if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM"); return closed; } };
}
