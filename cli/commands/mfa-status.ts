import type { CommandDef } from "./types.ts";
import { HdocError } from "../errors.ts";

export const mfaStatus: CommandDef = {
  path: ["mfa", "status"],
  summary: "Show the MFA sessions hdoc wrote and their time left",
  examples: ["hdoc mfa status"],
  async run() {
    throw new HdocError("INTERNAL", "not implemented yet");
  },
};
