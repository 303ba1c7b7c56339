import { describe, expect, it } from "vitest";
import { satisfiesMinimum } from "./checks.ts";

describe("satisfiesMinimum (engines' >=a.b.c)", () => {
  it.each([
    ["20.20.2", ">=20.19.0", true],
    ["20.19.0", ">=20.19.0", true],
    ["20.18.3", ">=20.19.0", false],
    ["v22.1.0", ">=20.19.0", true],
    ["18.20.0", ">=20.19.0", false],
  ])("%s against %s: %s", (v, range, ok) => {
    expect(satisfiesMinimum(v, range)).toBe(ok);
  });
});
