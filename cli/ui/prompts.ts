/** The real prompts (@inquirer/prompts), loaded only when a command actually asks something. */
import type { PromptApi } from "./io.ts";

export const inquirerPrompts: PromptApi = {
  async confirm(message, defaultValue) {
    const { confirm } = await import("@inquirer/prompts");
    return confirm({ message, default: defaultValue }, { output: process.stderr });
  },
  async input(message, validate) {
    const { input } = await import("@inquirer/prompts");
    return input({ message, ...(validate ? { validate } : {}) }, { output: process.stderr });
  },
  async password(message, validate) {
    const { password } = await import("@inquirer/prompts");
    return password({ message, mask: "*", ...(validate ? { validate } : {}) }, { output: process.stderr });
  },
};
