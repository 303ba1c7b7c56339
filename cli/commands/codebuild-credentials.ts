import type { CommandDef } from "./types.ts";
import { HdocError } from "../errors.ts";

export const codebuildCredentials: CommandDef = {
  path: ["codebuild", "credentials"],
  summary: "List CodeBuild's stored source credentials",
  examples: ["hdoc codebuild credentials"],
  async run() {
    throw new HdocError("INTERNAL", "not implemented yet");
  },
};
