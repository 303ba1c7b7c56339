import { afterEach, describe, expect, it } from "vitest";
import { rmSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { discoverFunctions } from "../cfn/templates.ts";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { discoverCached } from "./template-cache.ts";

const trees: Array<{ cleanup(): void }> = [];
afterEach(() => trees.splice(0).forEach((t) => t.cleanup()));

const ROOT = (stage = "{ Type: String, Default: dev }") => `Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: ${stage}
Resources:
  Web:
    Type: AWS::Serverless::Application
    Properties:
      Location: web.yml
      Parameters: { Stage: !Ref Stage }
`;
const web = (fns: string[]) => `Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String }
Resources:
${fns.map((f) => `  ${f}:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ../fn, Handler: !Sub "\${Stage}.handler", Runtime: nodejs22.x }\n`).join("")}`;

/** `stage`: the root's Stage parameter as written (default: with a Default of dev). */
function project(stage?: string) {
  const t = tempTree("hdoc-template-cache-");
  trees.push(t);
  const root = t.put("infra/template.yml", ROOT(stage));
  t.put("infra/web.yml", web(["One"]));
  t.put("fn/handler.ts", "export const handler = async () => 1;\n");
  /** Template times a minute back: stamps of files younger than 2 s are not trusted. */
  const age = () => {
    const past = new Date(Date.now() - 60_000);
    for (const f of ["infra/template.yml", "infra/web.yml"]) utimesSync(path.join(t.root, f), past, past);
  };
  age();
  const cacheFile = path.join(t.root, ".hdoc/dev/templates.json");
  const discover = (params: Record<string, string> = {}, fallbacks: Record<string, string> = {}) => discoverCached(root, t.root, params, cacheFile, Date.now, fallbacks);
  return { t, root, age, discover, cacheFile };
}

describe("the templates remembered between hdoc dev starts", () => {
  it("parses once, then gives the same discovery from the cache while no template changed", async () => {
    const p = project();
    const first = await p.discover();
    expect(first.fromCache).toBe(false);
    const second = await p.discover();
    expect(second.fromCache).toBe(true);
    const { fromCache: _a, ...cached } = second;
    expect(cached).toEqual(JSON.parse(JSON.stringify(discoverFunctions(p.root, p.t.root, {}))));
    expect(second.functions.map((f) => f.id)).toEqual(["Web/One"]);
  });

  it("parses again when a nested template is edited, and sees the edit", async () => {
    const p = project();
    await p.discover();
    p.t.put("infra/web.yml", web(["One", "Two"]));
    p.age();
    const again = await p.discover();
    expect(again.fromCache).toBe(false);
    expect(again.functions.map((f) => f.id)).toEqual(["Web/One", "Web/Two"]);
    expect((await p.discover()).fromCache).toBe(true);
  });

  it("parses again for other parameters and gives their values, and when a function's code folder is gone (the problem is reported)", async () => {
    const p = project();
    const handlers = (d: { functions: Array<{ handler: string }> }) => d.functions.map((f) => f.handler);
    expect(handlers(await p.discover())).toEqual(["dev.handler"]);
    expect((await p.discover()).fromCache).toBe(true); // the Stage=dev discovery is in the cache
    const prod = await p.discover({ Stage: "prod" });
    expect([prod.fromCache, handlers(prod)]).toEqual([false, ["prod.handler"]]);
    rmSync(path.join(p.t.root, "fn"), { recursive: true });
    const gone = await p.discover({ Stage: "prod" });
    expect(gone.fromCache).toBe(false);
    expect(gone.problems.map((x) => x.message).join("\n")).toMatch(/does not exist/);
  });

  // found in review: nothing proved the fallbacks (hdoc dev's Stage=dev) are part of the key
  it("parses again when the fallbacks differ (a root Stage without a Default), and gives the new fallback's values", async () => {
    const p = project("{ Type: String }");
    const handlers = (d: { functions: Array<{ handler: string }> }) => d.functions.map((f) => f.handler);
    const a = await p.discover({}, { Stage: "dev" });
    expect([a.fromCache, handlers(a)]).toEqual([false, ["dev.handler"]]);
    expect((await p.discover({}, { Stage: "dev" })).fromCache).toBe(true);
    const b = await p.discover({}, { Stage: "qa" });
    expect([b.fromCache, handlers(b)]).toEqual([false, ["qa.handler"]]);
    expect(handlers(await p.discover({}, { Stage: "qa" }))).toEqual(["qa.handler"]);
  });

  // like the bundle cache's: two hdoc dev runs of different root templates in one checkout replaced each other's entry
  it("keeps the discoveries of other root templates and parameters beside each other (the last 4)", async () => {
    const p = project();
    const other = p.t.put("infra/other.yml", web(["Solo"]).replace("Parameters:\n  Stage: { Type: String }", "Parameters:\n  Stage: { Type: String, Default: solo }"));
    p.age();
    utimesSync(other, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const discoverOther = () => discoverCached(other, p.t.root, {}, p.cacheFile);
    expect((await p.discover()).fromCache).toBe(false);
    expect((await discoverOther()).fromCache).toBe(false);
    const root = await p.discover();
    const solo = await discoverOther();
    expect([root.fromCache, root.functions.map((f) => f.id)]).toEqual([true, ["Web/One"]]);
    expect([solo.fromCache, solo.functions.map((f) => [f.id, f.handler])]).toEqual([true, [["Solo", "solo.handler"]]]);
    for (const stage of ["a", "b", "c", "d"]) expect((await p.discover({ Stage: stage })).fromCache).toBe(false);
    expect((await p.discover({ Stage: "d" })).fromCache).toBe(true);
    expect((await discoverOther()).fromCache).toBe(false); // the oldest of 5 was dropped
  });

  it("does not remember templates written less than 2 s ago, nor a discovery with problems", async () => {
    const p = project();
    p.t.put("infra/web.yml", web(["One"])); // just written
    await p.discover();
    expect((await p.discover()).fromCache).toBe(false);
    p.age();
    rmSync(path.join(p.t.root, "fn"), { recursive: true });
    await p.discover();
    expect((await p.discover()).fromCache).toBe(false);
  });

  it("parses when the cache file is not JSON", async () => {
    const p = project();
    await p.discover();
    writeFileSync(p.cacheFile, "{");
    expect((await p.discover()).fromCache).toBe(false);
    expect((await p.discover()).fromCache).toBe(true);
  });
});
