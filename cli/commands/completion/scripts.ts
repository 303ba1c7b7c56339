/**
 * Shell completion scripts made from the command tree: commands, options, stage values and, at
 * completion time, the profile names of the AWS files (read by the shell; no hdoc process is started).
 */
import type { CommandNode } from "../../context.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const STAGE_FLAGS = ["--stage"];
const PROFILE_FLAGS = ["--profile", "--source-profile", "--target-profile", "--update-profile"];

interface Level {
  path: string;
  children: CommandNode[];
  options: Array<{ flag: string; takesValue: boolean }>;
}

/** Every command path with what may follow it (global options apply everywhere). */
function levels(root: CommandNode): Level[] {
  const global = root.options;
  const out: Level[] = [];
  const walk = (node: CommandNode, path: string[]) => {
    out.push({ path: path.join(" "), children: node.commands, options: path.length ? [...node.options, ...global] : global });
    for (const c of node.commands) walk(c, [...path, c.name]);
  };
  walk(root, []);
  return out;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Profile names of the shared files: [name] and [profile name], as the AWS CLI reads them. */
const PROFILE_SED = `sed -n 's/^[[:space:]]*\\[[[:space:]]*\\(profile[[:space:]][[:space:]]*\\)\\{0,1\\}\\([^]]*[^][:space:]]\\)[[:space:]]*\\].*/\\2/p'`;
const PROFILES_SH = `${PROFILE_SED} "\${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" "\${AWS_CONFIG_FILE:-$HOME/.aws/config}" 2>/dev/null | sort -u`;
const PROFILES_FISH = [
  "    set -l cred $AWS_SHARED_CREDENTIALS_FILE; test -n \"$cred\"; or set cred ~/.aws/credentials",
  "    set -l conf $AWS_CONFIG_FILE; test -n \"$conf\"; or set conf ~/.aws/config",
  `    ${PROFILE_SED} $cred $conf 2>/dev/null | sort -u`,
];

export function bashScript(root: CommandNode): string {
  const all = levels(root);
  const valueFlags = [...new Set(all.flatMap((l) => l.options.filter((o) => o.takesValue).map((o) => o.flag)))].filter((f) => !STAGE_FLAGS.includes(f) && !PROFILE_FLAGS.includes(f));
  const cases = (pick: (l: Level) => string) => all.map((l) => `    ${shq(l.path)}) echo ${shq(pick(l))} ;;`).join("\n");
  return `# bash completion for hdoc (made by \`hdoc completion bash\`)
# install: hdoc completion bash > ~/.local/share/bash-completion/completions/hdoc   (or: eval "$(hdoc completion bash)" in ~/.bashrc)
_hdoc_children() {
  case "$1" in
${cases((l) => l.children.map((c) => c.name).join(" "))}
  esac
}
_hdoc_options() {
  case "$1" in
${cases((l) => l.options.map((o) => o.flag).join(" "))}
  esac
}
_hdoc_profiles() {
  ${PROFILES_SH}
}
_hdoc_match() {
  local cur="$1" w
  shift
  COMPREPLY=()
  for w in "$@"; do [[ "$w" == "$cur"* ]] && COMPREPLY+=("$w"); done
}
_hdoc() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path="" w i
  [ "$COMP_CWORD" -gt 0 ] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case " $(_hdoc_children "$path") " in *" $w "*) path="\${path:+$path }$w" ;; esac
  done
  case "$prev" in
    ${STAGE_FLAGS.join("|")}) _hdoc_match "$cur" dev staging prod; return 0 ;;
    ${PROFILE_FLAGS.join("|")}) _hdoc_match "$cur" $(_hdoc_profiles); return 0 ;;${valueFlags.length ? `\n    ${valueFlags.join("|")}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;` : ""}
  esac
  if [[ "$cur" == -* ]]; then
    _hdoc_match "$cur" $(_hdoc_options "$path")
  else
    _hdoc_match "$cur" $(_hdoc_children "$path")
  fi
  return 0
}
complete -F _hdoc hdoc
`;
}

/** zsh runs the bash script through its bash-completion layer (bashcompinit). */
export function zshScript(root: CommandNode): string {
  return `#compdef hdoc
# zsh completion for hdoc (made by \`hdoc completion zsh\`)
# install: hdoc completion zsh > "\${fpath[1]}/_hdoc"   (or: eval "$(hdoc completion zsh)" in ~/.zshrc)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(root).split("\n").filter((l) => !l.startsWith("#")).join("\n")}`;
}

export function fishScript(root: CommandNode): string {
  const all = levels(root);
  const lines = [
    "# fish completion for hdoc (made by `hdoc completion fish`)",
    "# install: hdoc completion fish > ~/.config/fish/completions/hdoc.fish",
    "function __hdoc_profiles",
    ...PROFILES_FISH,
    "end",
    "complete -c hdoc -f",
  ];
  const desc = (s: string) => shq(s.length > 70 ? `${s.slice(0, 69)}…` : s);
  for (const l of all) {
    const words = l.path ? l.path.split(" ") : [];
    const siblings = l.children.map((c) => c.name);
    // at this level: every word of the path seen, none of the children yet
    const cond = [...(words.length ? words.map((w) => `__fish_seen_subcommand_from ${w}`) : ["__fish_use_subcommand"]), ...(words.length && siblings.length ? [`not __fish_seen_subcommand_from ${siblings.join(" ")}`] : [])].join("; and ");
    for (const c of l.children) lines.push(`complete -c hdoc -n ${shq(cond)} -a ${c.name} -d ${desc(c.summary)}`);
    // global options everywhere (no condition); a command's own options once its words are seen
    const own = words.length ? l.options.filter((o) => !root.options.includes(o)) : root.options;
    const where = words.length ? ` -n ${shq(words.map((w) => `__fish_seen_subcommand_from ${w}`).join("; and "))}` : "";
    for (const o of own) {
      if (!o.flag.startsWith("--")) continue;
      const values = STAGE_FLAGS.includes(o.flag) ? ` -x -a 'dev staging prod'` : PROFILE_FLAGS.includes(o.flag) ? ` -x -a '(__hdoc_profiles)'` : o.takesValue ? " -r -F" : "";
      lines.push(`complete -c hdoc${where} -l ${o.flag.slice(2)}${values}`);
    }
  }
  return lines.join("\n") + "\n";
}

export function completionScript(shell: Shell, root: CommandNode): string {
  return shell === "bash" ? bashScript(root) : shell === "zsh" ? zshScript(root) : fishScript(root);
}
