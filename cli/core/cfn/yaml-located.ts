/**
 * A YAML document's nodes with where they are written, built from js-yaml's event list (the same
 * events template-yaml.ts builds the values from): what the in-place editor (template-edit.ts)
 * needs to replace a value or insert a key without touching any other byte.
 *
 * Offsets are zero-based and end-exclusive. A node's `start` is where it begins, its properties (tag,
 * anchor) included; `end` is just after its last character (a quoted scalar's closing quote, a flow
 * collection's closing bracket); a node written as nothing (an empty value) has neither.
 */
import { EVENT_ID, getScalarValue, type Event, type ScalarEvent } from "js-yaml";

interface Base {
  start?: number;
  end?: number;
  /** The tag as written, resolved (`!Ref`, `tag:yaml.org,2002:str`...), or undefined. */
  tag?: string;
}
export interface LocatedScalar extends Base { kind: "scalar"; plain: boolean; readonly text: string }
/** `open`: where the content begins (a flow collection's bracket, a block collection's first entry). */
export interface LocatedMap extends Base { kind: "map"; flow: boolean; open: number; items: LocatedPair[] }
export interface LocatedSeq extends Base { kind: "seq"; flow: boolean; open: number; items: LocatedNode[] }
export interface LocatedAlias extends Base { kind: "alias" }
export type LocatedNode = LocatedScalar | LocatedMap | LocatedSeq | LocatedAlias;
export interface LocatedPair { key: LocatedNode; value: LocatedNode }

const PLAIN = 1, SINGLE_QUOTED = 2, DOUBLE_QUOTED = 3;
const FLOW = 2;
/** The prefix YAML's `!!` handle stands for. */
export const CORE = "tag:yaml.org,2002:";

/** A tag as written (`!Ref`, `!!str`, `!<tag:x>`) resolved with YAML's default handles. */
function resolveTag(written: string): string {
  if (written.startsWith("!<") && written.endsWith(">")) return written.slice(2, -1);
  if (written.startsWith("!!")) return CORE + written.slice(2);
  return written;
}

/** The name of a short-form intrinsic tag (`!Ref` -> Ref), or undefined. */
export function customTag(node: LocatedNode | undefined): string | undefined {
  const t = node?.tag;
  return t && t.length > 1 && t[0] === "!" && !t.includes("!", 1) ? t.slice(1) : undefined;
}

/** Where a node's properties begin (the `&` of its anchor or the `!` of its tag, whichever is first). Runs for every event: no arrays. */
const propsStart = (e: { anchorStart: number; tagStart: number }): number | undefined => {
  const anchor = e.anchorStart >= 0 ? e.anchorStart - 1 : -1;
  const tag = e.tagStart;
  if (anchor < 0) return tag >= 0 ? tag : undefined;
  return tag >= 0 && tag < anchor ? tag : anchor;
};
const propsEnd = (e: { anchorEnd: number; tagEnd: number }): number | undefined => {
  const end = Math.max(e.anchorEnd, e.tagEnd);
  return end >= 0 ? end : undefined;
};
const min = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

/** Where a flow collection's closing bracket ends: after `from`, past blanks, comments and a trailing comma. */
function flowEnd(text: string, from: number, close: string): number | undefined {
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === close) return i + 1;
    if (c === "#") {
      const nl = text.indexOf("\n", i);
      if (nl < 0) return undefined;
      i = nl;
    } else if (c !== "," && !/\s/.test(c)) return undefined;
  }
  return undefined;
}

type Open = { node: LocatedMap | LocatedSeq; pending?: LocatedNode };

/** The first document's root node, or undefined for an empty document. */
export function locate(events: Event[], text: string): LocatedNode | undefined {
  const stack: Open[] = [];
  let root: LocatedNode | undefined;
  const add = (n: LocatedNode) => {
    const top = stack.at(-1);
    if (!top) {
      root ??= n;
      return;
    }
    if (top.node.kind === "seq") top.node.items.push(n);
    else if (top.pending === undefined) top.pending = n;
    else {
      top.node.items.push({ key: top.pending, value: n });
      top.pending = undefined;
    }
  };
  for (const e of events) {
    switch (e.type) {
      case EVENT_ID.SCALAR: {
        const s = e as ScalarEvent;
        const quoted = s.style === SINGLE_QUOTED || s.style === DOUBLE_QUOTED;
        const at = s.valueStart >= 0 ? s.valueStart - (quoted ? 1 : 0) : undefined;
        let value: string | undefined;
        const node: LocatedScalar = {
          kind: "scalar", plain: s.style === PLAIN,
          start: min(propsStart(s), at),
          end: s.valueEnd >= 0 ? s.valueEnd + (quoted ? 1 : 0) : propsEnd(s),
          tag: s.tagStart >= 0 ? resolveTag(text.slice(s.tagStart, s.tagEnd)) : undefined,
          get text() {
            return (value ??= s.valueStart >= 0 ? getScalarValue(text, s) : "");
          },
        };
        add(node);
        break;
      }
      case EVENT_ID.ALIAS:
        add({ kind: "alias", start: e.anchorStart - 1, end: e.anchorEnd });
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const tag = e.tagStart >= 0 ? resolveTag(text.slice(e.tagStart, e.tagEnd)) : undefined;
        const flow = e.style === FLOW;
        const start = min(propsStart(e), e.start);
        const node: LocatedMap | LocatedSeq = e.type === EVENT_ID.MAPPING ? { kind: "map", flow, open: e.start, items: [], start, tag } : { kind: "seq", flow, open: e.start, items: [], start, tag };
        add(node);
        stack.push({ node });
        break;
      }
      case EVENT_ID.POP: {
        const open = stack.pop();
        if (!open) {
          if (root !== undefined) return root; // the end of the first document
          break;
        }
        const n = open.node;
        const lastEnd = n.kind === "seq" ? n.items.at(-1)?.end : (n.items.at(-1)?.value.end ?? n.items.at(-1)?.key.end);
        n.end = n.flow ? flowEnd(text, lastEnd ?? n.open + 1, n.kind === "map" ? "}" : "]") : lastEnd;
        break;
      }
      default:
        break;
    }
  }
  return root;
}
