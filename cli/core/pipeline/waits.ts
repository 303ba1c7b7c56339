/**
 * Bounded, interruptible waiting: every poll loop has a deadline and stops at the next safe point once
 * the user pressed Ctrl-C (deps.signal). The callers turn the two ways out into messages that name the
 * state and the next command.
 */

export interface WaitDeps {
  /** Resolves after ms, or early once `signal` aborts. */
  sleep(ms: number): Promise<void>;
  now(): Date;
  /** Aborted on the first Ctrl-C (the command registers it with ctx.onInterrupt). */
  signal?: AbortSignal;
  /** Poll delays in ms; the last one repeats. */
  pollDelays?: number[];
}

/** Ctrl-C arrived: thrown at the next safe point, caught by the flow that knows what to tidy. */
export class Interrupted extends Error {
  override readonly name = "Interrupted";
  constructor() {
    super("interrupted");
  }
}

/** A wait passed its deadline; `last` is the last thing seen. */
export class TimedOut<T> extends Error {
  override readonly name = "TimedOut";
  constructor(readonly elapsedMs: number, readonly last: T | undefined) {
    super("timed out");
  }
}

const DEFAULT_DELAYS = [250, 500, 1000, 2000, 3000, 5000];

export function checkpoint(deps: Pick<WaitDeps, "signal">): void {
  if (deps.signal?.aborted) throw new Interrupted();
}

/** Runs a step that must not be cut (an AWS call), then stops if Ctrl-C came meanwhile. */
export async function step<T>(deps: Pick<WaitDeps, "signal">, fn: () => Promise<T>): Promise<T> {
  const r = await fn();
  checkpoint(deps);
  return r;
}

/**
 * Calls `probe` until it returns { done } or the deadline passes (TimedOut with the last value seen).
 * Checks for Ctrl-C before each probe and after each sleep.
 */
export async function pollUntil<T>(timeoutMs: number, deps: WaitDeps, probe: (elapsedMs: number) => Promise<{ done: true; value: T } | { done: false; last: T }>): Promise<T> {
  const delays = deps.pollDelays ?? DEFAULT_DELAYS;
  const started = deps.now().getTime();
  let last: T | undefined;
  for (let i = 0; ; i++) {
    checkpoint(deps);
    const elapsed = deps.now().getTime() - started;
    const r = await probe(elapsed);
    checkpoint(deps);
    if (r.done) return r.value;
    last = r.last;
    if (elapsed >= timeoutMs) throw new TimedOut(elapsed, last);
    await deps.sleep(Math.min(delays[Math.min(i, delays.length - 1)] ?? 1000, Math.max(1, timeoutMs - elapsed)));
  }
}
