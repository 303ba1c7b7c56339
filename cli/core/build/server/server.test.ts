import { afterAll, describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { serverCommand } from "../../../build-client.ts";
import { codeStamp, idleMs, ownSocket, readRecord, serverAllowed, serverWanted, socketFolder } from "./record.ts";
import { encode, lineReader, MAX_LINE } from "./protocol.ts";

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(path.join(tmpdir(), "hdoc-bs-unit-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("which invocations a build server may run (bin/hdoc.js asks before loading the CLI)", () => {
  it.each([
    [["build"], true],
    [["build", "--clean", "--json"], true],
    [["--json", "build"], true],
    [["--profile", "dev", "build"], true],
    [["--region", "build", "dev"], false], // "build" is --region's value: the command is dev
    [["--endpoint-url", "http://x", "build", "--list"], true],
    [["build", "--no-server"], false],
    [["build", "--stop-server"], false],
    [["--no-server", "build"], false],
    [["dev", "--template", "build"], false],
    [["deploy", "build"], false],
    [["--", "build"], false],
    [["--help", "build"], false], // the whole program's help (found in review: it printed build's alone)
    [["-h", "build"], false],
    [["build", "--help"], true],
    [[], false],
  ])("%j -> %s", (args, expected) => {
    expect(serverCommand(["node", "hdoc", ...args])).toBe(expected);
  });
});

describe("when a build server may be started", () => {
  it.each([
    [{}, true],
    [{ HDOC_BUILD_SERVER: "1" }, true],
    [{ HDOC_BUILD_SERVER: "0" }, false],
    [{ HDOC_BUILD_SERVER: "off" }, false],
    [{ HDOC_BUILD_SERVER: "FALSE" }, false],
    [{ CI: "true" }, false],
    [{ CI: "1" }, false],
    [{ CI: "false" }, true],
    [{ CI: "0" }, true],
    [{ CODEBUILD_BUILD_ID: "hdoc:1234" }, false],
    [{ GITHUB_ACTIONS: "true" }, false],
  ])("%j -> %s", (env, expected) => {
    expect(serverAllowed(env).allowed).toBe(expected);
  });

  it("names the reason it may not", () => {
    expect(serverAllowed({ CODEBUILD_BUILD_ID: "x" }).why).toBe("CODEBUILD_BUILD_ID is set (a CI run)");
    expect(serverAllowed({ HDOC_BUILD_SERVER: "0" }).why).toBe("HDOC_BUILD_SERVER is off");
  });

  it("is looked for unless HDOC_BUILD_SERVER turns it off (a CI machine has no record to find)", () => {
    expect(serverWanted({})).toBe(true);
    expect(serverWanted({ CI: "true" })).toBe(true);
    expect(serverWanted({ HDOC_BUILD_SERVER: "no" })).toBe(false);
  });

  it.each([
    [undefined, 900_000],
    ["1", 1000],
    ["2.5", 2500],
    ["0", 900_000],
    ["-3", 900_000],
    ["soon", 900_000],
  ])("HDOC_BUILD_SERVER_IDLE=%s -> %d ms", (v, ms) => {
    expect(idleMs(v === undefined ? {} : { HDOC_BUILD_SERVER_IDLE: v })).toBe(ms);
  });
});

describe("the server's record and socket", () => {
  it("connects only to a server's socket, this user's, in this user's own private socket folder (never a folder a record names)", async () => {
    const tmp = scratch();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const own = socketFolder(true)!;
      expect(own).toBe(path.join(tmp, `hdoc-${process.getuid!()}`));
      expect(statSync(own).mode & 0o777).toBe(0o700);
      const sock = path.join(own, "build-0a1b2c.sock");
      expect(ownSocket(sock)).toBeUndefined(); // no socket there
      const listener = createServer();
      await new Promise<void>((r) => listener.listen(sock, r));
      try {
        expect(ownSocket(sock)).toBe(sock);
        expect(ownSocket(path.join(own, "other.sock"))).toBeUndefined();
        expect(ownSocket("build-0a1b2c.sock")).toBeUndefined();
        // the same name in another folder, even one of this user's: not this user's socket folder
        const elsewhere = scratch();
        chmodSync(elsewhere, 0o700);
        expect(ownSocket(path.join(elsewhere, "build-0a1b2c.sock"))).toBeUndefined();
        // a link to the folder is not the folder
        const link = path.join(tmp, "link");
        symlinkSync(own, link);
        expect(ownSocket(path.join(link, "build-0a1b2c.sock"))).toBeUndefined();
        // a file of that name is not a socket
        writeFileSync(path.join(own, "build-ffff.sock"), "");
        expect(ownSocket(path.join(own, "build-ffff.sock"))).toBeUndefined();
        // the folder opened to others: no longer private
        chmodSync(own, 0o755);
        expect(ownSocket(sock)).toBeUndefined();
        expect(socketFolder(false)).toBeUndefined();
        chmodSync(own, 0o700);
      } finally {
        listener.close();
      }
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it("reads a record that is missing, not JSON, or incomplete as none", () => {
    const root = scratch();
    expect(readRecord(root)).toBeUndefined();
    mkdirSync(path.join(root, ".hdoc"));
    const file = path.join(root, ".hdoc/build-server.json");
    for (const text of ["", "{", "null", "[]", '{"socket":"/x"}', '{"owner":{"pid":1},"socket":"/x","stamp":"s","root":"/"}']) {
      writeFileSync(file, text);
      expect(readRecord(root), text).toBeUndefined();
    }
    const owner = { pid: 12, host: "h", started: "2026-12-01T00:00:00.000Z", purpose: "build server", token: "ab" };
    writeFileSync(file, JSON.stringify({ owner, socket: "/s/build-1.sock", stamp: "st", root }));
    expect(readRecord(root)).toEqual({ owner, socket: "/s/build-1.sock", stamp: "st", root });
  });
});

describe("the socket's line protocol", () => {
  it("reads documents split across chunks and several in one chunk", () => {
    const got: unknown[] = [];
    const read = lineReader((m) => got.push(m), (why) => got.push(`bad: ${why}`));
    const text = encode({ t: "out", data: "a\nb" }) + encode({ t: "exit", code: 7 });
    for (let i = 0; i < text.length; i += 5) read(Buffer.from(text.slice(i, i + 5)));
    read(Buffer.from(encode({ t: "err", data: "é ✓" }) + "\n"));
    expect(got).toEqual([{ t: "out", data: "a\nb" }, { t: "exit", code: 7 }, { t: "err", data: "é ✓" }]);
  });

  it("keeps a character whose bytes arrive in two chunks (was: U+FFFD on each side of the cut)", () => {
    const got: unknown[] = [];
    const read = lineReader((m) => got.push(m), (why) => got.push(`bad: ${why}`));
    const bytes = Buffer.from(encode({ t: "out", data: "é✓😀".repeat(50) }));
    // every cut, one byte at a time: most fall inside a character
    for (let i = 0; i < bytes.length; i++) read(bytes.subarray(i, i + 1));
    expect(got).toEqual([{ t: "out", data: "é✓😀".repeat(50) }]);
  });

  it("stops at a line that is not JSON, and at one longer than MAX_LINE", () => {
    const got: unknown[] = [];
    const read = lineReader((m) => got.push(m), (why) => got.push(`bad: ${why}`));
    read(Buffer.from('{"t":"stop"}\nnot json\n{"t":"stop"}\n'));
    expect(got).toEqual([{ t: "stop" }, "bad: a line that is not JSON"]);
    const long: unknown[] = [];
    const readLong = lineReader((m) => long.push(m), (why) => long.push(`bad: ${why}`));
    readLong(Buffer.alloc(MAX_LINE + 1, "x"));
    readLong(Buffer.from('\n{"t":"stop"}\n'));
    expect(long).toEqual([`bad: a line longer than ${MAX_LINE} bytes`]);
  });
});

describe("the code stamp", () => {
  it("changes with the umask and with NODE_OPTIONS or ESBUILD_BINARY_PATH, and does not hold their values", () => {
    const file = path.join(scratch(), "main.js");
    writeFileSync(file, "export {};\n");
    const base = codeStamp(file, {});
    expect(codeStamp(file, {})).toBe(base);
    expect(codeStamp(file, { PATH: "/elsewhere" })).toBe(base);
    const withOptions = codeStamp(file, { NODE_OPTIONS: "--max-old-space-size=8192" });
    expect(withOptions).not.toBe(base);
    expect(withOptions).not.toContain("8192");
    expect(codeStamp(file, { ESBUILD_BINARY_PATH: "/opt/esbuild" })).not.toBe(base);
    const mask = process.umask(0o077);
    try {
      expect(codeStamp(file, {})).not.toBe(base);
    } finally {
      process.umask(mask);
    }
  });
});
