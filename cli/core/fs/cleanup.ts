/**
 * Work to undo when the process is stopped by a signal (temporary files, held locks). Whoever makes
 * such a thing registers a synchronous undo step and removes it once done; `cli/program.ts`, the only
 * code that handles process signals, runs what is still registered before it exits.
 */
export interface Cleanup {
  /** Registers `undo`; call the returned function once it is no longer needed. */
  add(undo: () => void): () => void;
}

export class CleanupRegistry implements Cleanup {
  private readonly steps = new Set<() => void>();

  add(undo: () => void): () => void {
    const step = () => undo();
    this.steps.add(step);
    return () => {
      this.steps.delete(step);
    };
  }

  get size(): number {
    return this.steps.size;
  }

  /** Runs every registered step, newest first; a failing step does not stop the others. */
  runAll(): void {
    const steps = [...this.steps].reverse();
    this.steps.clear();
    for (const step of steps) {
      try {
        step();
      } catch {
        // best effort: the process is ending
      }
    }
  }
}

/** For callers that have no registry (tests, library use): nothing is undone on a signal. */
export const NO_CLEANUP: Cleanup = { add: () => () => undefined };
