/** The one recording Io for tests: writes into strings, prompts answered from a script and recorded. */
import { Io, type PromptApi } from "../../cli/ui/io.ts";

export interface RecordingIoOptions {
  /** stdin and stderr are terminals (prompts allowed). */
  interactive?: boolean;
  /** stderr is a terminal (live progress) without prompts. */
  tty?: boolean;
  yes?: boolean;
  json?: boolean;
  verbose?: boolean;
  /** The answer to every confirmation (default false). */
  confirm?: boolean;
  input?: string;
  password?: string;
}

export interface RecordingIo {
  io: Io;
  /** Each prompt's message, in order, by kind. */
  asked: { confirm: string[]; input: string[]; password: string[] };
  out(): string;
  err(): string;
  all(): string;
}

export function recordingIo(o: RecordingIoOptions = {}): RecordingIo {
  const sinks = { out: [] as string[], err: [] as string[] };
  const stream = (sink: string[], isTTY: boolean) => ({ isTTY, write: (s: string) => (sink.push(String(s)), true) }) as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  const asked = { confirm: [] as string[], input: [] as string[], password: [] as string[] };
  const prompts: PromptApi = {
    confirm: async (m) => (asked.confirm.push(m), o.confirm ?? false),
    input: async (m) => (asked.input.push(m), o.input ?? ""),
    password: async (m) => (asked.password.push(m), o.password ?? ""),
  };
  const tty = o.interactive ?? o.tty ?? false;
  const io = new Io({ stdout: stream(sinks.out, false), stderr: stream(sinks.err, tty), stdinIsTTY: o.interactive ?? false, json: o.json ?? false, verbose: o.verbose ?? true, yes: o.yes ?? false, color: false, prompts });
  return { io, asked, out: () => sinks.out.join(""), err: () => sinks.err.join(""), all: () => sinks.out.join("") + sinks.err.join("") };
}
