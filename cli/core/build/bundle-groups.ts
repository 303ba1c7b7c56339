/**
 * The first bundling step of `hdoc build` (run.ts): the Node.js functions to build, grouped by
 * runtime and esbuild settings (BuildProperties), each group bundled in one esbuild run (a single
 * function too: without plugins esbuild resolves every import itself, and the rules are checked on its
 * metafile). The groups run at once: esbuild's service takes them side by side. A group the build
 * server already started bundling when the request came in (early-bundle.ts) takes that bundle
 * instead. Any function that does not come out cleanly (a compile error anywhere fails the whole
 * run) is left to the caller, which bundles it on its own, as it does one whose BuildProperties are
 * invalid.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import type { FunctionInfo } from "../cfn/templates.ts";
import { bundledByEsbuild, bundleGroupKey, bundleTogether, type NodeBuildOptions, type NodeBuildResult } from "./bundler.ts";
import { takeEarly, type EarlyBundle } from "./early-bundle.ts";
import { stagingPath } from "./cache.ts";
import { artifactDirOf } from "./output.ts";

/** A function bundled by a group's run: its staging folder (to promote), the files esbuild read, its share of the run's time. */
export interface Prebuilt {
  staging: string;
  inputs: string[];
  ms: number;
}

export interface GroupsRequest {
  outDir: string;
  options: NodeBuildOptions;
  /** The build server's early bundle, if one was started for this build. */
  early?: EarlyBundle;
  /** When the build's lock was taken (monotonic): an early bundle's time counts from then at the earliest. */
  locked: number;
  now: () => number;
  /** Work for this thread while esbuild bundles (called once a run is under way; may be called more than once). */
  whileBundling: () => void;
}

/** Bundles `todo`'s Node.js functions group by group; the functions that came out cleanly, and how many the early bundle gave. */
export async function bundleGroups(todo: FunctionInfo[], g: GroupsRequest): Promise<{ prebuilt: Map<string, Prebuilt>; bundledEarly: number }> {
  const prebuilt = new Map<string, Prebuilt>();
  const groupKey = new Map(todo.filter(bundledByEsbuild).map((f) => [f.id, bundleGroupKey(f, g.options)]));
  const groups = [...new Set(groupKey.values())].flatMap((key) => (key === undefined ? [] : [todo.filter((f) => groupKey.get(f.id) === key)]));
  let bundledEarly = 0;
  await Promise.all(groups.map(async (group) => {
    // the server's early bundle when it is of this group (its files written into its staging folders)
    const taken = takeEarly(g.early, group, g.options);
    const started = taken ? Math.max(taken.started, g.locked) : g.now();
    let together: Map<string, NodeBuildResult> | undefined;
    if (taken) {
      g.whileBundling();
      together = await taken.results;
      bundledEarly += together?.size ?? 0;
    }
    // esbuild makes the folders it writes to.
    const stagings = new Map(group.map((fn) => [fn.id, (together?.has(fn.id) && taken?.stagings.get(fn.id)) || stagingPath(artifactDirOf(g.outDir, fn.id))]));
    const rest = group.filter((fn) => !together?.has(fn.id));
    if (rest.length) {
      const more = await bundleTogether(rest, (fn) => stagings.get(fn.id)!, path.join(g.outDir, "functions"), g.options, g.whileBundling);
      together = new Map([...(together ?? []), ...(more ?? [])]);
    }
    const ms = (g.now() - started) / group.length;
    for (const fn of group) {
      const r = together?.get(fn.id);
      if (r) prebuilt.set(fn.id, { staging: stagings.get(fn.id)!, inputs: r.inputs, ms });
      else rmSync(stagings.get(fn.id)!, { recursive: true, force: true });
    }
  }));
  return { prebuilt, bundledEarly };
}
