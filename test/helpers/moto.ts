/** Starts moto server (python3 -m moto.server) on a free loopback port for one test file. */
import { execa, type ResultPromise } from "execa";
import { freePort, waitForHttp } from "./net.ts";

export interface Moto {
  url: string;
  port: number;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface MotoOptions {
  /** Append moto's request log and errors to this file (npm run local-aws); the tests keep only the tail. */
  logFile?: string;
}

export async function startMoto(o: MotoOptions = {}): Promise<Moto> {
  const port = await freePort();
  const proc: ResultPromise = execa("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    reject: false,
    stdio: ["ignore", o.logFile ? { file: o.logFile, append: true } : "ignore", o.logFile ? { file: o.logFile, append: true } : "pipe"],
    env: { AWS_DEFAULT_REGION: "us-east-1", MOTO_ALLOW_NONEXISTENT_REGION: "true" },
  });
  let stderr = "";
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (d: string) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/moto-api/`, 30_000);
  } catch (e) {
    proc.kill();
    throw new Error(`moto server did not start on port ${port}: ${(e as Error).message}\n${stderr.slice(-2000)}`);
  }
  return {
    url,
    port,
    async reset() {
      await fetch(`${url}/moto-api/reset`, { method: "POST" });
    },
    async stop() {
      proc.kill("SIGTERM");
      await proc;
    },
  };
}
