import type { CommandDef } from "./types.ts";
import { HdocError } from "../errors.ts";

export const mfaLogin: CommandDef = {
  path: ["mfa", "login"],
  summary: "Get an MFA session and write it to a profile",
  examples: ["hdoc mfa login"],
  async run() {
    throw new HdocError("INTERNAL", "not implemented yet");
  },
};
