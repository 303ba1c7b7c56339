/**
 * Secret values (access keys, session tokens, GitHub tokens) registered here are replaced by
 * `****` in everything hdoc prints. Code redacts at the source; this is the last line of defence, so
 * it masks a secret in the forms it really leaks in: as is, URL-encoded (a SignatureDoesNotMatch
 * message quotes the canonical query string with X-Amz-Security-Token), JSON-escaped (`\/`,
 * `\u002b`), and split across two writes of a live progress line (see `stream`).
 */
const MASK = "****";

/** The forms a secret takes in other text: URL-encoded (either hex case, `+` for a space) and JSON-escaped. */
export function leakedForms(secret: string): string[] {
  const url = encodeURIComponent(secret);
  const forms = new Set([secret, url, url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), url.replace(/%20/g, "+")]);
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json);
  forms.add(json.replace(/\//g, "\\/"));
  forms.add(json.replace(/\+/g, "\\u002b"));
  forms.add(json.replace(/\+/g, "\\u002B"));
  forms.add(json.replace(/\//g, "\\/").replace(/\+/g, "\\u002B"));
  return [...forms];
}

/** Access key ids and GitHub tokens have recognisable shapes, so they are masked even when not registered. */
const SHAPES: Array<[RegExp, string]> = [
  [/\b(ASIA|AKIA)[A-Z0-9]{12,}\b/g, `$1${MASK}`],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, `gh*_${MASK}`],
  [/\bgithub_pat_[A-Za-z0-9_]{22,}/g, `github_pat_${MASK}`],
];
/** The end of a chunk that may be the start of a shaped secret completed by the next chunk. */
const SHAPE_START = /(?:\b(?:A(?:K(?:I(?:A[A-Z0-9]*)?)?|S(?:I(?:A[A-Z0-9]*)?)?)?|g(?:h(?:[pousr](?:_[A-Za-z0-9]*)?)?|i(?:t(?:h(?:u(?:b(?:_(?:p(?:a(?:t(?:_[A-Za-z0-9_]*)?)?)?)?)?)?)?)?)?)?))$/;

export interface RedactingStream {
  /** Writes a chunk, holding back an end that could be the start of a secret the next chunk completes. */
  write(chunk: string): void;
  /** Writes what is held back (masked if it is the start of a registered secret). */
  flush(): void;
}

export class Redactor {
  private readonly secrets = new Set<string>();
  private forms: string[] = [];

  add(secret: string | undefined): void {
    const s = secret?.trim();
    if (!s || s.length < 4 || this.secrets.has(s)) return;
    this.secrets.add(s);
    // longest first, so a form that contains another is masked whole
    this.forms = [...new Set([...this.forms, ...leakedForms(s)])].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const f of this.forms) if (out.includes(f)) out = out.split(f).join(MASK);
    for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
    return out;
  }

  /** The length of the longest end of `text` that is a proper start of a registered form or a shaped secret. */
  private pendingTail(text: string): number {
    let longest = SHAPE_START.exec(text)?.[0].length ?? 0;
    for (const f of this.forms) {
      for (let n = Math.min(f.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(f.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }

  /** A redacting writer for text that arrives in pieces (a live progress line). */
  stream(out: (text: string) => void): RedactingStream {
    let held = "";
    return {
      write: (chunk) => {
        let text = held + chunk;
        // a held start of a secret that this chunk does not complete is masked all the same
        if (held.length >= 4 && this.forms.some((f) => f.startsWith(held)) && !this.forms.some((f) => text.startsWith(f) || f.startsWith(text))) text = MASK + chunk;
        const keep = this.pendingTail(text);
        held = text.slice(text.length - keep);
        const ready = text.slice(0, text.length - keep);
        if (ready) out(this.redact(ready));
      },
      flush: () => {
        if (!held) return;
        const rest = held;
        held = "";
        const startsSecret = rest.length >= 4 && this.forms.some((f) => f.startsWith(rest));
        out(startsSecret ? MASK : this.redact(rest));
      },
    };
  }
}
