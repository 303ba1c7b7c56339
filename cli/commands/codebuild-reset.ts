import type { CommandDef } from "./types.ts";
import { HdocError } from "../errors.ts";

export const codebuildReset: CommandDef = {
  path: ["codebuild", "reset-credentials"],
  summary: "Delete and re-import CodeBuild's GitHub credential",
  examples: ["hdoc codebuild reset-credentials"],
  async run() {
    throw new HdocError("INTERNAL", "not implemented yet");
  },
};
