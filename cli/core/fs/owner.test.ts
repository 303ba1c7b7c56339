import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { pidRunning } from "./owner.ts";

describe("pidRunning", () => {
  it("counts this process and not a pid that does not exist", () => {
    expect(pidRunning(process.pid)).toBe(true);
    expect(pidRunning(0)).toBe(false);
    expect(pidRunning(-1)).toBe(false);
    expect(pidRunning(2 ** 22 + 7)).toBe(false); // above Linux's pid_max
  });

  it("does not count a zombie: killed, not yet reaped (was: running, so its lock or server record looked held)", async () => {
    // sh starts `sleep 1` in the background, then becomes `sleep 5`, which never reaps it (the shell
    // itself would, had it still been the shell when the child ended)
    const child = spawn("sh", ["-c", "sleep 1 & echo $!; exec sleep 5"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const [line] = (await once(child.stdout!, "data")) as [Buffer];
      const zombie = Number(line.toString().trim());
      const state = () => readFileSync(`/proc/${zombie}/stat`, "latin1").split(") ")[1]![0];
      for (let i = 0; i < 400 && state() !== "Z"; i++) await new Promise((r) => setTimeout(r, 10));
      expect(state()).toBe("Z");
      expect(() => process.kill(zombie, 0)).not.toThrow(); // what the old check asked
      expect(pidRunning(zombie)).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
