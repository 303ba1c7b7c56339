/**
 * The AWS CLI's own reader as an oracle: botocore's `raw_config_parse` (configparser underneath) run
 * over many files in one Python process. Each file's sections and keys as botocore sees them, or the
 * name of the error it raises (what the AWS CLI reports as "Unable to parse config file").
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";

export type BotocoreView = { ok: true; sections: Record<string, Record<string, string>> } | { ok: false; error: string };

const SCRIPT = `
import json, sys
from botocore.configloader import raw_config_parse
out = []
for p in json.load(sys.stdin):
    try:
        out.append({"ok": True, "sections": raw_config_parse(p, parse_subsections=False)})
    except Exception as e:
        cause = e.__context__ or e
        out.append({"ok": False, "error": type(cause).__name__})
json.dump(out, sys.stdout)
`;

export async function botocoreRead(files: Uint8Array[]): Promise<BotocoreView[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "hdoc-botocore-"));
  try {
    const paths = files.map((bytes, i) => {
      const p = path.join(dir, `f${i}`);
      writeFileSync(p, bytes);
      return p;
    });
    const r = await execa("python3", ["-c", SCRIPT], { input: JSON.stringify(paths), env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8", PYTHONUTF8: "1" } });
    return JSON.parse(r.stdout) as BotocoreView[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
