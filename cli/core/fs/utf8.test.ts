import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeNonUtf8, firstNonUtf8, NotUtf8Error, readUtf8File } from "./utf8.ts";

const at = (bytes: number[] | string) => firstNonUtf8(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : Buffer.from(bytes));

describe("firstNonUtf8", () => {
  it("finds nothing in UTF-8, a real U+FFFD and a BOM included", () => {
    expect(firstNonUtf8(Buffer.from("\uFEFFa: \uFFFD é 😀\n"))).toBeUndefined();
    expect(firstNonUtf8(Buffer.alloc(0))).toBeUndefined();
  });

  // cases: the kinds of ill-formed sequences the Unicode standard lists (a lone continuation byte, a
  // truncated sequence, an overlong form, a surrogate, a code point past U+10FFFF, 0xFF)
  it.each([
    ["a Latin-1 byte", "Caf\xe9 menu", { byte: 0xe9, line: 1, column: 4 }],
    ["a lone continuation byte", "ab\x80", { byte: 0x80, line: 1, column: 3 }],
    ["a sequence cut off by the end", "x\n\xe2\x82", { byte: 0xe2, line: 2, column: 1 }],
    ["an overlong NUL", "\xc0\x80", { byte: 0xc0, line: 1, column: 1 }],
    ["a surrogate", "ok\n\n\xed\xa0\x80", { byte: 0xed, line: 3, column: 1 }],
    ["past U+10FFFF", "\xf4\x90\x80\x80", { byte: 0xf4, line: 1, column: 1 }],
    // (from review) bad sequences that start like the replacement character's bytes, EF BF BD
    ["a Latin-1 ï", "na\xefve", { byte: 0xef, line: 1, column: 3 }],
    ["a Latin-1 ï before a line end", "a\xef\nb", { byte: 0xef, line: 1, column: 2 }],
    ["EF at the end", "a\xef", { byte: 0xef, line: 1, column: 2 }],
    ["EF BF at the end", "a\xef\xbf", { byte: 0xef, line: 1, column: 2 }],
    ["half of a full-width character", "\xef\xbc", { byte: 0xef, line: 1, column: 1 }],
    ["a real U+FFFD, then a bad byte", "\xef\xbf\xbd\xe9", { byte: 0xe9, line: 1, column: 2 }],
  ])("%s", (_, bytes, expected) => {
    expect(at(bytes)).toEqual(expected);
  });

  it("counts the column in characters, after multi-byte ones", () => {
    expect(at([...Buffer.from("é😀x"), 0xff])).toEqual({ byte: 0xff, line: 1, column: 4 });
    expect(describeNonUtf8({ byte: 0x9, line: 2, column: 3 })).toBe("byte 0x09 at line 2, column 3 is not UTF-8");
  });

  it("places a bad sequence after any UTF-8 text at that text's last line and column", () => {
    // each can be followed by any UTF-8 (which never starts with a continuation byte) and stays bad
    const bad = fc.constantFrom([0xff], [0x80], [0xc3], [0xef], [0xef, 0xbf], [0xe2, 0x82], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]);
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), bad, fc.string({ unit: "grapheme" }), (before, seq, after) => {
      const lines = before.split("\n");
      expect(firstNonUtf8(Buffer.concat([Buffer.from(before, "utf8"), Buffer.from(seq), Buffer.from(after, "utf8")]))).toEqual({ byte: seq[0], line: lines.length, column: [...lines.at(-1)!].length + 1 });
    }), { numRuns: 500 });
  });
});

describe("a file in UTF-16 or UTF-32 (its byte-order mark first)", () => {
  const file = "a: 1\n";
  it.each([
    ["UTF-16LE", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(file, "utf16le")]), "FF FE", "UTF-16"],
    ["UTF-16BE", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(file, "utf16le").swap16()]), "FE FF", "UTF-16"],
    ["UTF-32LE", Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]), "FF FE 00 00", "UTF-32"],
    ["UTF-32BE", Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x61]), "00 00 FE FF", "UTF-32"],
  ])("%s is named, with the iconv that converts it", (bom, bytes, mark, from) => {
    const bad = firstNonUtf8(bytes)!;
    expect(bad.bom).toBe(bom);
    expect(new NotUtf8Error(bad, "why").message).toBe(`the file is ${bom} (it starts with that encoding's byte-order mark, ${mark}), not UTF-8 (why: save the file as UTF-8, e.g. with iconv -f ${from} -t utf-8)`);
  });

  it("is not claimed for a file whose bad byte only comes later, nor for UTF-8's own mark", () => {
    expect(firstNonUtf8(Buffer.from("a\xff\xfe", "latin1"))).toEqual({ byte: 0xff, line: 1, column: 2 });
    expect(firstNonUtf8(Buffer.concat([Buffer.from("\uFEFFa\n"), Buffer.from([0xe9])]))!.bom).toBeUndefined();
  });
});

describe("readUtf8File", () => {
  it("returns UTF-8 text and refuses anything else with where and why", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hdoc-utf8-"));
    try {
      writeFileSync(path.join(dir, "ok.json"), "{\"a\": \"é\"}");
      expect(readUtf8File(path.join(dir, "ok.json"), "why")).toBe("{\"a\": \"é\"}");
      writeFileSync(path.join(dir, "bad.json"), Buffer.from("{\n \"a\": \"\xe9\"}", "latin1"));
      let e: unknown;
      try {
        readUtf8File(path.join(dir, "bad.json"), "JSON is UTF-8");
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(NotUtf8Error);
      expect((e as Error).message).toBe("byte 0xE9 at line 2, column 8 is not UTF-8 (JSON is UTF-8: save the file as UTF-8, e.g. with iconv -f latin1 -t utf-8)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
