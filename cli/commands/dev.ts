import type { CommandDef } from "./types.ts";
import { HdocError } from "../errors.ts";

export const dev: CommandDef = {
  path: ["dev"],
  summary: "Run the backend locally (no Docker, no AWS)",
  examples: ["hdoc dev"],
  async run() {
    throw new HdocError("INTERNAL", "not implemented yet");
  },
};
