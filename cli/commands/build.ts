import type { CommandDef } from "./types.ts";
import { HdocError } from "../errors.ts";

export const build: CommandDef = {
  path: ["build"],
  summary: "Bundle every Lambda function found in the templates",
  examples: ["hdoc build"],
  async run() {
    throw new HdocError("INTERNAL", "not implemented yet");
  },
};
