/** The suite needs these machine tools; a missing one fails loudly with what to install. */
import { execaSync } from "execa";

const TOOLS = [
  { cmd: ["python3", "-c", "import moto.server, flask"], what: "moto server (Python 3.11)", install: "pip install 'moto[server]==5.2.1'" },
  { cmd: ["aws", "--version"], what: "the AWS CLI", install: "pip install awscli" },
  { cmd: ["cfn-lint", "--version"], what: "cfn-lint", install: "pip install cfn-lint==1.51.0" },
  { cmd: ["script", "--version"], what: "script (util-linux, for terminal tests)", install: "apt-get install util-linux" },
  { cmd: ["zsh", "-c", "true"], what: "zsh (the completion script's syntax check)", install: "apt-get install zsh" },
  { cmd: ["fish", "-c", "true"], what: "fish (the completion script's syntax check)", install: "apt-get install fish" },
];

export function missingTools(): string[] {
  const missing: string[] = [];
  for (const t of TOOLS) {
    try {
      execaSync(t.cmd[0]!, t.cmd.slice(1), { stdio: "ignore", timeout: 30_000 });
    } catch {
      missing.push(`${t.what}: ${t.install}`);
    }
  }
  return missing;
}
