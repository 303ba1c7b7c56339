/**
 * Seed data for the local tables: `{ "<table logical id or stack path/id>": [ plain JSON items ] }`.
 * The whole file is checked here before anything is written; the database thread writes it
 * (table-setup.ts), and `seededLine` says what was added.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import { utf8OrRefuse } from "../fs/utf8.ts";
import { isObj } from "../cfn/json.ts";
import type { TableDefinition } from "./tables.ts";
import type { SeedTable } from "./table-setup.ts";
import { SetupError, type DynamoThread } from "./dynamo-thread.ts";

export interface SeedFile {
  /** The file as the user knows it (relative to the repository). */
  shown: string;
  tables: Array<SeedTable & { logicalId: string }>;
}

/** Reads and checks a seed file against the templates' tables (`tables`: id -> table name). */
export function readSeed(file: string, defs: TableDefinition[], tables: Record<string, string>, repoRoot: string): SeedFile {
  const shown = path.relative(repoRoot, file) || file;
  if (!existsSync(file)) throw new HdocError("NOT_FOUND", `seed file ${shown} does not exist`, "pass --seed-file <file>, or add infra/seed/dev-seed.json");
  const text = utf8OrRefuse(readFileSync(file), `seed file ${shown}`, "USAGE", "JSON files are UTF-8");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new HdocError("USAGE", `seed file ${shown} is not valid JSON: ${(e as Error).message}`, "fix the file");
  }
  if (!isObj(doc)) throw new HdocError("USAGE", `seed file ${shown} must hold an object of table -> items`, `e.g. { "UsersTable": [ { "github_username": "octocat" } ] }`);
  const plan = Object.entries(doc).filter(([key]) => !key.startsWith("$")).map(([key, items]) => {
    const def = defs.find((d) => d.id === key || d.logicalId === key);
    if (!def) throw new HdocError("USAGE", `seed file ${shown}: no table ${JSON.stringify(key)} in the templates`, `tables: ${defs.map((d) => d.logicalId).join(", ")}`);
    if (!Array.isArray(items) || !items.every(isObj)) throw new HdocError("USAGE", `seed file ${shown}: "${key}" must be a list of items (objects)`);
    const hashKey = def.input.KeySchema?.find((k) => k.KeyType === "HASH")?.AttributeName ?? "";
    return { TableName: tables[def.id]!, hashKey, items, logicalId: def.logicalId };
  });
  return { shown, tables: plan };
}

/** What the database refused, in the user's terms. */
export function seedRefused(seed: SeedFile, e: Error): HdocError {
  return new HdocError("USAGE", `seed file ${seed.shown}: the local database refused an item: ${e.name}: ${e.message}`, "fix the item (each needs the table's key attributes, with the types the table declares)");
}

/** "seeded from infra/seed/dev-seed.json (items already there are kept): 3/3 UsersTable, ..." */
export const seededLine = (seed: SeedFile, added: number[]): string =>
  `seeded from ${seed.shown} (items already there are kept): ${seed.tables.map((t, i) => `${added[i] ?? 0}/${t.items.length} ${t.logicalId}`).join(", ")}`;

/** The tables created and the seed (if any) written, by the database thread; says what was seeded. */
export async function setUpTablesAndSeed(dynamo: DynamoThread, defs: TableDefinition[], tables: Record<string, string>, seed: SeedFile | undefined, log: { info(line: string): void }): Promise<void> {
  try {
    const added = await dynamo.setUp({ tables: defs.map((d) => ({ TableName: tables[d.id]!, input: d.input })), seed: seed?.tables ?? [] });
    if (seed) log.info(seededLine(seed, added));
  } catch (e) {
    if (seed && e instanceof SetupError && e.step === "seed") throw seedRefused(seed, e);
    throw e;
  }
}
