/**
 * `hdoc doctor`: what would go wrong, found before it does. Each check returns ok, warn or fail with
 * what it saw and, when it is not ok, the fix. Nothing here changes anything; AWS is asked only with
 * `online` (STS GetCallerIdentity).
 */
import type { Resolved } from "../settings.ts";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** The machine tools `npm test` needs besides Node (test/helpers/tools.ts fails the suite without them). */
export type TestTool = "python3" | "moto" | "cfn-lint" | "aws" | "script" | "zsh" | "fish";

export interface Check {
  id: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

export interface FileFacts {
  path: string;
  /** undefined when the file does not exist. */
  mode?: number;
  /** A parse problem, when the file exists and cannot be read as an INI file. */
  problem?: string;
}

export interface DoctorDeps {
  nodeVersion: string;
  /** package.json's engines.node, e.g. ">=20.19.0". */
  engines?: string;
  /** The Node runtimes the project's functions declare (e.g. nodejs22.x), when inside the project. */
  functionRuntimes(): Promise<string[]>;
  credentialsFile(): Promise<FileFacts>;
  configFile(): Promise<FileFacts>;
  /** The profile, region and endpoint the AWS commands would use, each with where it came from. */
  target(): Promise<{ profile: Resolved<string> & { exists: boolean }; region: Resolved<string>; endpoint?: { value: string; source: string } }>;
  /** The MFA session of the target profile (undefined: none written by hdoc). */
  session(): Promise<{ profile: string; secondsLeft: number; valid: boolean } | undefined>;
  /** With --online: who the credentials are, or the error that asking STS gave. */
  callerIdentity?(): Promise<{ account: string; arn: string }>;
  branch(): Promise<string | undefined>;
  /** The version line of a tool the tests need, or undefined when it is not installed. */
  toolVersion(tool: TestTool): Promise<string | undefined>;
  /** Whether this is the hdoc repository (contributor checks apply). */
  inRepository: boolean;
}

const major = (v: string) => Number(/(\d+)/.exec(v)?.[1] ?? NaN);

/** Whether version `v` (e.g. "20.20.2") satisfies a ">=a.b.c" range (the only form engines uses here). */
export function satisfiesMinimum(v: string, range: string): boolean {
  const min = /^>=\s*(\d+)\.(\d+)\.(\d+)/.exec(range.trim());
  if (!min) return true;
  const have = v.replace(/^v/, "").split(".").map(Number);
  const want = min.slice(1).map(Number);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== (want[i] ?? 0)) return (have[i] ?? 0) > (want[i] ?? 0);
  }
  return true;
}

const modeText = (m: number) => `0${(m & 0o777).toString(8)}`;

function fileCheck(id: string, f: FileFacts, secret: boolean): Check {
  if (f.mode === undefined) return { id, status: "warn", message: `${f.path} does not exist`, fix: secret ? "create it with `aws configure`, or run `hdoc mfa login` after adding your keys" : "optional; `aws configure` creates it" };
  if (f.problem) return { id, status: "fail", message: `${f.path} cannot be parsed: ${f.problem}`, fix: "fix the line named above (the AWS CLI refuses the whole file too)" };
  if (secret && (f.mode & 0o077) !== 0) return { id, status: "warn", message: `${f.path} is readable by others (${modeText(f.mode)})`, fix: `chmod 600 ${f.path}` };
  return { id, status: "ok", message: `${f.path} (${modeText(f.mode)})` };
}

export async function runChecks(deps: DoctorDeps, o: { online: boolean }): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);

  // Node
  const engines = deps.engines ?? ">=20.19.0";
  if (!satisfiesMinimum(deps.nodeVersion, engines)) add({ id: "node", status: "fail", message: `Node ${deps.nodeVersion} is older than hdoc needs (${engines})`, fix: "install Node 22 (what Lambda runs) or at least the version named" });
  else add({ id: "node", status: "ok", message: `Node ${deps.nodeVersion} (hdoc needs ${engines})` });
  const runtimes = [...new Set((await deps.functionRuntimes()).filter((r) => r.startsWith("nodejs")))];
  const localMajor = major(deps.nodeVersion);
  const differ = runtimes.filter((r) => major(r) !== localMajor);
  if (differ.length) add({ id: "node-runtime", status: "warn", message: `the functions run on ${differ.join(", ")} on Lambda; this is Node ${localMajor}: hdoc dev and the tests run them on ${localMajor}`, fix: `use Node ${major(differ[0]!)} locally to match (e.g. \`bash scripts/node22.sh\` prints one)` });
  else if (runtimes.length) add({ id: "node-runtime", status: "ok", message: `the functions' runtime (${runtimes.join(", ")}) matches Node ${localMajor}` });

  // AWS files
  add(fileCheck("credentials-file", await deps.credentialsFile(), true));
  add(fileCheck("config-file", await deps.configFile(), false));

  // what the AWS commands would use
  try {
    const t = await deps.target();
    add(t.profile.exists || (t.profile.source !== "flag" && t.profile.source !== "environment")
      ? { id: "profile", status: "ok", message: t.profile.exists ? `profile ${t.profile.value} (from ${t.profile.source})` : `profile ${t.profile.value} does not exist: the AWS commands use the default credential chain (environment, container, instance role)` }
      : { id: "profile", status: "fail", message: `profile ${t.profile.value} (from ${t.profile.source}) is not in the AWS config or credentials files`, fix: "run `hdoc mfa login`, or name an existing profile" });
    add({ id: "region", status: "ok", message: `region ${t.region.value} (from ${t.region.source})` });
    add({ id: "endpoint", status: "ok", message: t.endpoint ? `endpoint ${t.endpoint.value} (from ${t.endpoint.source})` : "AWS's public endpoints" });
  } catch (e) {
    const err = e as { message?: string; hint?: string };
    add({ id: "settings", status: "fail", message: err.message ?? String(e), ...(err.hint ? { fix: err.hint } : {}) });
  }

  // MFA session
  const s = await deps.session().catch(() => undefined);
  if (!s) add({ id: "mfa-session", status: "warn", message: "no MFA session written by hdoc", fix: "run `hdoc mfa login` (not needed in CodeBuild or GitHub Actions)" });
  else if (!s.valid) add({ id: "mfa-session", status: "warn", message: `the MFA session in profile ${s.profile} has expired or is incomplete`, fix: "run `hdoc mfa login`" });
  else {
    const h = Math.floor(s.secondsLeft / 3600), m = Math.floor((s.secondsLeft % 3600) / 60);
    add({ id: "mfa-session", status: s.secondsLeft < 900 ? "warn" : "ok", message: `MFA session in profile ${s.profile}: ${h}h ${m}m left`, ...(s.secondsLeft < 900 ? { fix: "run `hdoc mfa login --force` for a fresh one" } : {}) });
  }

  // the endpoint, asked only when told to
  if (!o.online || !deps.callerIdentity) add({ id: "aws", status: "skip", message: "not asked (add --online to call STS GetCallerIdentity)" });
  else {
    try {
      const who = await deps.callerIdentity();
      add({ id: "aws", status: "ok", message: `reached AWS as ${who.arn} (account ${who.account})` });
    } catch (e) {
      const err = e as { message?: string; hint?: string };
      add({ id: "aws", status: "fail", message: err.message ?? String(e), ...(err.hint ? { fix: err.hint } : {}) });
    }
  }

  // git
  const branch = await deps.branch();
  const suggested = branch === "dev" || branch === "staging" ? branch : undefined;
  add({
    id: "git",
    status: "ok",
    message: branch === undefined ? "not on a git branch: stage-aware commands need --stage" : suggested ? `branch ${branch}: suggests --stage ${suggested}` : branch === "main" ? "branch main: deploying prod always needs --stage prod (never inferred)" : `branch ${branch}: suggests no stage; pass --stage`,
  });

  // contributor tools
  if (deps.inRepository) {
    const tools = [
      ["python3", "python3", "apt-get install python3"],
      ["moto", "moto server", "pip install 'moto[server]==5.2.1'"],
      ["cfn-lint", "cfn-lint", "pip install cfn-lint==1.51.0"],
      ["aws", "the AWS CLI", "pip install awscli"],
      ["script", "script (util-linux, for the terminal tests)", "apt-get install util-linux"],
      ["zsh", "zsh (the completion script's check)", "apt-get install zsh"],
      ["fish", "fish (the completion script's check)", "apt-get install fish"],
    ] as const satisfies readonly (readonly [TestTool, string, string])[];
    const versions = await Promise.all(tools.map(([tool]) => deps.toolVersion(tool)));
    tools.forEach(([tool, name, fix], i) => {
      const v = versions[i];
      add(v ? { id: `tool-${tool}`, status: "ok", message: `${name}: ${v}` } : { id: `tool-${tool}`, status: "warn", message: `${name} is not installed (npm test needs it)`, fix });
    });
  }
  return checks;
}
