/**
 * Secret values (access keys, session tokens, GitHub tokens) registered here are replaced by
 * `****` in every line hdoc prints. Code redacts at the source; this is the last line of defence.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    const s = secret?.trim();
    if (s && s.length >= 4) this.secrets.add(s);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("****");
    // Access key ids and GitHub tokens have recognisable shapes, so they are masked even when not
    // registered (secret keys and session tokens have none: they are masked by registration).
    return out
      .replace(/\b(ASIA|AKIA)[A-Z0-9]{12,}\b/g, "$1****")
      .replace(/\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, "gh*_****")
      .replace(/\bgithub_pat_[A-Za-z0-9_]{22,}/g, "github_pat_****");
  }
}
