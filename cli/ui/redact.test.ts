import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Redactor } from "./redact.ts";

describe("Redactor", () => {
  it("masks registered secrets wherever they appear", () => {
    const r = new Redactor();
    r.add("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    expect(r.redact("key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY!")).toBe("key=****!");
  });

  it("masks access key ids and GitHub tokens by shape even when not registered", () => {
    const r = new Redactor();
    expect(r.redact("id ASIAIOSFODNN7EXAMPLE and ghp_abcdefghijklmnopqrstuvwxyz0123456789")).toBe("id ASIA**** and gh*_****");
    expect(r.redact("fine-grained github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJ")).toBe("fine-grained github_pat_****");
  });

  it("never lets a registered secret through, whatever surrounds it", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 40 }).filter((s) => s.trim().length >= 4), fc.string(), fc.string(), (secret, before, after) => {
        const r = new Redactor();
        r.add(secret);
        expect(r.redact(before + secret.trim() + after)).not.toContain(secret.trim());
      }),
    );
  });
});
