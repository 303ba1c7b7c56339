/**
 * Resolves CloudFormation intrinsic values across nested stacks, the way a deployment would, for a
 * local run: `!Ref Param` -> the value the parent passes (or the parameter's Default) ->
 * `!GetAtt Child.Outputs.X` -> the child's Output -> a `!Ref`/`!GetAtt` of a resource. What a
 * resource reference becomes (a local table name, a stream ARN) is the caller's choice (`attr`).
 */
import type { Json, StackNode } from "./templates.ts";
import { resourcesOf } from "./template-body.ts";
import { isObj } from "./json.ts";

/** A resource a value points at: `Ref` (attr undefined) or `Fn::GetAtt` (attr set). */
export interface ResourceRef {
  stack: StackNode;
  logicalId: string;
  type: string;
  attr?: string;
}

export type Text = { kind: "value"; value: string } | { kind: "unresolved"; why: string };
export type Resolved = Text | { kind: "resource"; ref: ResourceRef };

export interface ResolveOptions {
  region: string;
  accountId: string;
  /** Turns a resource reference into a string (for Sub/Join); undefined when it has no local meaning. */
  attr?(ref: ResourceRef): string | undefined;
}


export class StackResolver {
  private readonly byPath = new Map<string, StackNode>();
  constructor(stacks: StackNode[], private readonly o: ResolveOptions) {
    for (const s of stacks) this.byPath.set(s.path.join("/"), s);
  }

  /** Resolves a value written in `stack` (a string, number, or an intrinsic). */
  resolve(stack: StackNode, value: Json | undefined, depth = 0): Resolved {
    if (depth > 40) return { kind: "unresolved", why: "references nest too deeply (a cycle?)" };
    if (value === undefined || value === null) return { kind: "unresolved", why: "no value" };
    if (typeof value === "string") return { kind: "value", value };
    if (typeof value === "number" || typeof value === "boolean") return { kind: "value", value: String(value) };
    if (!isObj(value)) return { kind: "unresolved", why: "a list is not a single value" };
    const [fn, arg] = Object.entries(value)[0] ?? [];
    if (fn === "Ref" && typeof arg === "string") return this.ref(stack, arg, depth);
    if (fn === "Fn::GetAtt") {
      const parts = typeof arg === "string" ? arg.split(".") : Array.isArray(arg) ? arg.map(String) : [];
      const [logicalId, ...rest] = parts;
      if (!logicalId || !rest.length) return { kind: "unresolved", why: "malformed Fn::GetAtt" };
      return this.getAtt(stack, logicalId, rest.join("."), depth);
    }
    if (fn === "Fn::Sub") return this.sub(stack, arg, depth);
    if (fn === "Fn::Join" && Array.isArray(arg) && typeof arg[0] === "string" && Array.isArray(arg[1])) {
      const parts = arg[1].map((p) => this.text(stack, p, depth));
      const bad = parts.find((p) => p.kind === "unresolved");
      return bad ?? { kind: "value", value: parts.map((p) => (p.kind === "value" ? p.value : "")).join(arg[0]) };
    }
    if (fn === "Fn::Select" && Array.isArray(arg) && Array.isArray(arg[1])) {
      const index = this.text(stack, arg[0], depth);
      const i = index.kind === "value" ? Number(index.value) : NaN;
      return Number.isInteger(i) && arg[1][i] !== undefined ? this.resolve(stack, arg[1][i], depth + 1) : { kind: "unresolved", why: "Fn::Select out of range" };
    }
    if (fn === "Fn::FindInMap" && Array.isArray(arg) && arg.length >= 3) {
      const [map, top, second] = arg.slice(0, 3).map((a) => this.text(stack, a, depth));
      if (map!.kind !== "value" || top!.kind !== "value" || second!.kind !== "value") return { kind: "unresolved", why: "Fn::FindInMap keys cannot be resolved locally" };
      const maps = isObj(stack.body.Mappings) ? stack.body.Mappings : {};
      const m = maps[map!.value];
      const row = isObj(m) ? m[top!.value] : undefined;
      const found = isObj(row) ? row[second!.value] : undefined;
      return found === undefined ? { kind: "unresolved", why: `Fn::FindInMap ${map!.value}.${top!.value}.${second!.value} does not exist` } : this.resolve(stack, found, depth + 1);
    }
    if (fn === "Fn::If" && Array.isArray(arg) && arg.length === 3 && typeof arg[0] === "string") {
      const c = this.condition(stack, { Condition: arg[0] }, depth);
      return c === undefined ? { kind: "unresolved", why: `condition ${arg[0]} cannot be evaluated locally` } : this.resolve(stack, c ? arg[1] : arg[2], depth + 1);
    }
    return { kind: "unresolved", why: `${fn ?? "value"} is not supported locally` };
  }

  /** A condition (Fn::Equals/Not/And/Or, Condition) as true/false; undefined when it cannot be evaluated. */
  private condition(stack: StackNode, value: Json | undefined, depth: number): boolean | undefined {
    if (depth > 40 || !isObj(value)) return undefined;
    const [fn, arg] = Object.entries(value)[0] ?? [];
    const all = (list: Json | undefined) => (Array.isArray(list) ? list.map((c) => this.condition(stack, c, depth + 1)) : [undefined]);
    if (fn === "Condition" && typeof arg === "string") {
      const conditions = isObj(stack.body.Conditions) ? stack.body.Conditions : {};
      return this.condition(stack, conditions[arg], depth + 1);
    }
    if (fn === "Fn::Equals" && Array.isArray(arg) && arg.length === 2) {
      const [a, b] = arg.map((x) => this.text(stack, x, depth));
      return a!.kind === "value" && b!.kind === "value" ? a!.value === b!.value : undefined;
    }
    if (fn === "Fn::Not") {
      const [c] = all(arg);
      return c === undefined ? undefined : !c;
    }
    if (fn === "Fn::And" || fn === "Fn::Or") {
      const cs = all(arg);
      if (cs.includes(undefined)) return undefined;
      return fn === "Fn::And" ? cs.every(Boolean) : cs.some(Boolean);
    }
    return undefined;
  }

  /** Like resolve, but a resource reference is turned into its string through `attr`. */
  text(stack: StackNode, value: Json | undefined, depth = 0): Text {
    return this.textOf(this.resolve(stack, value, depth + 1));
  }

  private pseudo(name: string, stack: StackNode): string | undefined {
    switch (name) {
      case "AWS::Region": return this.o.region;
      case "AWS::AccountId": return this.o.accountId;
      case "AWS::Partition": return "aws";
      case "AWS::URLSuffix": return "amazonaws.com";
      case "AWS::StackName": return ["hdoc-dev", ...stack.path].join("-");
      case "AWS::StackId": return `arn:aws:cloudformation:${this.o.region}:${this.o.accountId}:stack/${["hdoc-dev", ...stack.path].join("-")}/local`;
      default: return undefined;
    }
  }

  private ref(stack: StackNode, name: string, depth: number): Resolved {
    const p = this.pseudo(name, stack);
    if (p !== undefined) return { kind: "value", value: p };
    const params = isObj(stack.body.Parameters) ? stack.body.Parameters : {};
    if (name in params) {
      const parent = stack.path.length ? this.byPath.get(stack.path.slice(0, -1).join("/")) : undefined;
      const link = parent?.children.find((c) => c.logicalId === stack.path.at(-1));
      if (parent && link && link.parameters[name] !== undefined) return this.resolve(parent, link.parameters[name], depth + 1);
      const def = params[name];
      if (isObj(def) && def.Default !== undefined) return this.resolve(stack, def.Default, depth + 1);
      return { kind: "unresolved", why: `parameter ${name} has no value and no Default` };
    }
    const res = resourcesOf(stack.body).find(([id]) => id === name);
    if (res) return { kind: "resource", ref: { stack, logicalId: name, type: String(res[1].Type ?? "") } };
    return { kind: "unresolved", why: `Ref ${name} names neither a parameter nor a resource` };
  }

  private getAtt(stack: StackNode, logicalId: string, attr: string, depth: number): Resolved {
    const res = resourcesOf(stack.body).find(([id]) => id === logicalId);
    if (!res) return { kind: "unresolved", why: `GetAtt ${logicalId}.${attr}: no such resource` };
    const child = stack.children.find((c) => c.logicalId === logicalId);
    if (child && attr.startsWith("Outputs.")) {
      const node = this.byPath.get([...stack.path, logicalId].join("/"));
      const out = attr.slice("Outputs.".length);
      const outputs = node && isObj(node.body.Outputs) ? node.body.Outputs : {};
      const o = outputs[out];
      if (!node || !isObj(o) || o.Value === undefined) return { kind: "unresolved", why: `${logicalId} has no output ${out}` };
      return this.resolve(node, o.Value, depth + 1);
    }
    return { kind: "resource", ref: { stack, logicalId, type: String(res[1].Type ?? ""), attr } };
  }

  private sub(stack: StackNode, arg: Json | undefined, depth: number): Resolved {
    const [tpl, vars] = typeof arg === "string" ? [arg, {}] : Array.isArray(arg) && typeof arg[0] === "string" ? [arg[0], isObj(arg[1]) ? arg[1] : {}] : [undefined, {}];
    if (tpl === undefined) return { kind: "unresolved", why: "malformed Fn::Sub" };
    let failed: Text | undefined;
    const value = tpl.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
      const r = name in vars ? this.text(stack, vars[name], depth) : name.includes(".") && !name.startsWith("AWS::")
        ? this.textOf(this.getAtt(stack, name.slice(0, name.indexOf(".")), name.slice(name.indexOf(".") + 1), depth))
        : this.textOf(this.ref(stack, name, depth));
      if (r.kind !== "value") failed ??= r;
      return r.kind === "value" ? r.value : "";
    }).replace(/\$\{!/g, "${");
    return failed ?? { kind: "value", value };
  }

  private textOf(r: Resolved): Text {
    if (r.kind !== "resource") return r;
    const s = this.o.attr?.(r.ref);
    return s === undefined ? { kind: "unresolved", why: `${r.ref.logicalId}${r.ref.attr ? `.${r.ref.attr}` : ""} has no local value` } : { kind: "value", value: s };
  }
}
