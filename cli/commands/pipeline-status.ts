import type { CommandDef } from "./types.ts";
import { HdocError } from "../errors.ts";

export const pipelineStatus: CommandDef = {
  path: ["pipeline", "status"],
  summary: "Show a stage's pipeline stack, outputs and drift",
  examples: ["hdoc pipeline status"],
  async run() {
    throw new HdocError("INTERNAL", "not implemented yet");
  },
};
