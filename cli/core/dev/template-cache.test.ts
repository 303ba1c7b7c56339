import { afterEach, describe, expect, it } from "vitest";
import { rmSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { discoverFunctions } from "../cfn/templates.ts";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { discoverCached } from "./template-cache.ts";

const trees: Array<{ cleanup(): void }> = [];
afterEach(() => trees.splice(0).forEach((t) => t.cleanup()));

const ROOT = `Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String, Default: dev }
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
${fns.map((f) => `  ${f}:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ../fn, Handler: handler.handler, Runtime: nodejs22.x }\n`).join("")}`;

function project() {
  const t = tempTree("hdoc-template-cache-");
  trees.push(t);
  const root = t.put("infra/template.yml", ROOT);
  t.put("infra/web.yml", web(["One"]));
  t.put("fn/handler.ts", "export const handler = async () => 1;\n");
  /** Template times a minute back: stamps of files younger than 2 s are not trusted. */
  const age = () => {
    const past = new Date(Date.now() - 60_000);
    for (const f of ["infra/template.yml", "infra/web.yml"]) utimesSync(path.join(t.root, f), past, past);
  };
  age();
  const cacheFile = path.join(t.root, ".hdoc/dev/templates.json");
  const discover = (params: Record<string, string> = {}) => discoverCached(root, t.root, params, cacheFile);
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

  it("parses again for other parameters, and when a function's code folder is gone (the problem is reported)", async () => {
    const p = project();
    await p.discover();
    expect((await p.discover({ Stage: "prod" })).fromCache).toBe(false);
    rmSync(path.join(p.t.root, "fn"), { recursive: true });
    const gone = await p.discover({ Stage: "prod" });
    expect(gone.fromCache).toBe(false);
    expect(gone.problems.map((x) => x.message).join("\n")).toMatch(/does not exist/);
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
