/**
 * What every stack-changing command (`hdoc pipeline deploy|diff`, `hdoc deploy|diff`) wires the same way
 * around its core flow: the live view, the deploy state that says what the stack is in, and Ctrl-C — the
 * first one stops at the next safe point, a second one forces and prints the state's line.
 */
import type { Context } from "../../context.ts";
import type { DeployState } from "../../core/pipeline/deploy-state.ts";
import type { FollowCommands } from "../../core/pipeline/follow.ts";
import { abortableSleep } from "./options.ts";
import { deployView, type LiveDeployView } from "./view.ts";

export interface LiveDeploy {
  view: LiveDeployView;
  state: DeployState;
  signal: AbortSignal;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

/** Runs `flow` with the view, state and interrupt handling in place; they are torn down however it ends. */
export async function withLiveDeploy<T>(
  ctx: Context,
  opts: { stackName: string; commands: FollowCommands; showChangeSet: boolean },
  flow: (live: LiveDeploy) => Promise<T>,
): Promise<T> {
  const { DeployState } = await import("../../core/pipeline/deploy-state.ts");
  const state = new DeployState(opts.stackName, opts.commands);
  const view = deployView(ctx.io, { stackName: opts.stackName, now: () => ctx.now().getTime(), showChangeSet: opts.showChangeSet });
  const aborter = new AbortController();
  const off = ctx.onInterrupt({
    interrupt: () => {
      view.note("stopping at the next safe point (Ctrl-C again to force) ...");
      aborter.abort();
    },
    forced: () => state.forcedLine(),
  });
  try {
    return await flow({ view, state, signal: aborter.signal, sleep: abortableSleep(aborter.signal), now: () => ctx.now() });
  } finally {
    off();
    view.stop();
  }
}
