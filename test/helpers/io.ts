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
  /** Everything in the order it happened: "out: ...", "err: ..." and "ask <kind>: <message>". */
  events: string[];
  /** The validator each prompt was given, by message. */
  validators: Map<string, (v: string) => string | true>;
  out(): string;
  err(): string;
  all(): string;
}

export function recordingIo(o: RecordingIoOptions = {}): RecordingIo {
  const sinks = { out: [] as string[], err: [] as string[] };
  const events: string[] = [];
  const validators = new Map<string, (v: string) => string | true>();
  const stream = (sink: string[], isTTY: boolean, name: string) =>
    ({ isTTY, write: (s: string) => (sink.push(String(s)), events.push(`${name}: ${String(s).trimEnd()}`), true) }) as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  const asked = { confirm: [] as string[], input: [] as string[], password: [] as string[] };
  const ask = (kind: "confirm" | "input" | "password", m: string, validate?: (v: string) => string | true) => {
    asked[kind].push(m);
    events.push(`ask ${kind}: ${m}`);
    if (validate) validators.set(m, validate);
  };
  const prompts: PromptApi = {
    confirm: async (m) => (ask("confirm", m), o.confirm ?? false),
    input: async (m, v) => (ask("input", m, v), o.input ?? ""),
    password: async (m, v) => (ask("password", m, v), o.password ?? ""),
  };
  const tty = o.interactive ?? o.tty ?? false;
  const io = new Io({ stdout: stream(sinks.out, false, "out"), stderr: stream(sinks.err, tty, "err"), stdinIsTTY: o.interactive ?? false, json: o.json ?? false, verbose: o.verbose ?? true, yes: o.yes ?? false, color: false, prompts });
  return { io, asked, events, validators, out: () => sinks.out.join(""), err: () => sinks.err.join(""), all: () => sinks.out.join("") + sinks.err.join("") };
}
