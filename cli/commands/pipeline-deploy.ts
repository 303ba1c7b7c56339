import type { CommandDef } from "./types.ts";
import { HdocError } from "../errors.ts";

export const pipelineDeploy: CommandDef = {
  path: ["pipeline", "deploy"],
  summary: "Deploy a stage's pipeline stack through a change set",
  examples: ["hdoc pipeline deploy"],
  async run() {
    throw new HdocError("INTERNAL", "not implemented yet");
  },
};
