/** `hdoc completion bash|zsh|fish`: prints a completion script made from the command registry. */
import type { CommandDef } from "./command.ts";

export const completion: CommandDef = {
  path: ["completion"],
  summary: "Print a shell completion script (bash, zsh or fish)",
  description:
    "Completes commands, options, --stage values and, from your AWS files, profile names. Install it once " +
    "(see the examples); it runs no hdoc process while you type.",
  examples: [
    "hdoc completion bash > ~/.local/share/bash-completion/completions/hdoc",
    'echo \'eval "$(hdoc completion bash)"\' >> ~/.bashrc',
    'hdoc completion zsh > "${fpath[1]}/_hdoc"',
    "hdoc completion fish > ~/.config/fish/completions/hdoc.fish",
  ],
  configure(cmd) {
    cmd.argument("<shell>", "bash, zsh or fish");
  },
  async run(_opts, ctx, args) {
    const [{ SHELLS, completionScript }, { HdocError }, { didYouMean }] = await Promise.all([import("./completion/scripts.ts"), import("../errors.ts"), import("../suggest.ts")]);
    const shell = args[0] ?? "";
    if (!(SHELLS as readonly string[]).includes(shell)) {
      throw new HdocError("USAGE", `no completion for shell ${JSON.stringify(shell)}: hdoc has bash, zsh and fish`, didYouMean(shell, SHELLS) || "e.g. hdoc completion bash");
    }
    const script = completionScript(shell as (typeof SHELLS)[number], ctx.commandTree());
    if (ctx.io.json) ctx.io.result({ shell, script });
    else ctx.io.out(script.trimEnd());
    return 0;
  },
};
