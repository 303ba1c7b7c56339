/** `hdoc doctor`: one line per check (ok / warn / fail, and the fix); exit 0 only when nothing fails. */
import type { Context } from "../context.ts";
import type { CommandDef } from "./command.ts";
import type { Check, DoctorDeps } from "../core/doctor/checks.ts";

interface DoctorOpts {
  online?: boolean;
}

export const doctor: CommandDef<DoctorOpts> = {
  path: ["doctor"],
  summary: "Check Node, the AWS files, the profile, region and MFA session hdoc would use, and the test tools",
  description:
    "Reads, never writes. Each line says ok, warn or fail, with the fix. The AWS endpoint is asked (STS " +
    "GetCallerIdentity) only with --online. Exit 0 when nothing fails, 9 when a check fails.",
  examples: ["hdoc doctor", "hdoc doctor --online", "hdoc doctor --json", "hdoc doctor --profile mfa --online"],
  configure(cmd) {
    cmd.option("--online", "also call STS GetCallerIdentity with the credentials the AWS commands would use");
  },
  async run(opts, ctx) {
    const [{ runChecks }, { HdocError }] = await Promise.all([import("../core/doctor/checks.ts"), import("../errors.ts")]);
    const checks = await runChecks(await doctorDeps(ctx, Boolean(opts.online)), { online: Boolean(opts.online) });
    const failed = checks.filter((c) => c.status === "fail");
    const { io } = ctx;
    if (io.json) io.result({ ok: failed.length === 0, checks });
    else {
      const width = Math.max(...checks.map((c) => c.id.length));
      const mark = (c: Check) => io.color(c.status.padEnd(4), c.status === "ok" ? "green" : c.status === "warn" ? "yellow" : c.status === "fail" ? "red" : "dim");
      for (const c of checks) {
        io.out(`${mark(c)}  ${c.id.padEnd(width)}  ${c.message}`);
        if (c.fix) io.out(`${" ".repeat(width + 8)}fix: ${c.fix}`);
      }
    }
    if (failed.length) throw new HdocError("NOT_VALID", `${failed.length} check${failed.length === 1 ? "" : "s"} failed: ${failed.map((c) => c.id).join(", ")}`, "apply the fixes above, then run `hdoc doctor` again");
    io.info(`${checks.filter((c) => c.status === "warn").length} warning(s), no failures`);
    return 0;
  },
};

/** The real machine behind the checks; each reader is lazy and fails soft into the check it feeds. */
async function doctorDeps(ctx: Context, online: boolean): Promise<DoctorDeps> {
  const [os, path, fs, clients, { readProfileFile, credentialsFilePath, configFilePath }, { cliProblem }, { sessionsIn }, { currentBranch }] = await Promise.all([
    import("node:os"),
    import("node:path"),
    import("node:fs/promises"),
    import("../aws/clients.ts"),
    import("../core/mfa/credentials-file.ts"),
    import("../core/mfa/profile-sections.ts"),
    import("../core/mfa/session.ts"),
    import("../core/pipeline/stage.ts"),
  ]);
  const settings = await ctx.settings();
  const home = ctx.env.HOME || os.homedir();
  const credentialsPath = credentialsFilePath(ctx.env, home);
  const configPath = configFilePath(ctx.env, home);
  let pkg: { name?: string; engines?: { node?: string } } = {};
  try {
    pkg = JSON.parse(await fs.readFile(path.join(settings.root, "package.json"), "utf8")) as typeof pkg;
  } catch {
    // outside the repository: no package.json to read
  }
  const inRepository = pkg.name === "hdoc";
  const facts = async (file: string) => {
    try {
      const st = await fs.stat(file);
      const problem = cliProblem((await readProfileFile(file)) ?? Buffer.alloc(0));
      return { path: file, mode: st.mode, ...(problem ? { problem } : {}) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { path: file };
      return { path: file, mode: 0, problem: (e as Error).message };
    }
  };
  const tool = async (file: string, args: string[]) => {
    const { execa } = await import("execa");
    const r = await execa(file, args, { reject: false, timeout: 20_000, stdin: "ignore" });
    const out = `${String(r.stdout ?? "")}\n${String(r.stderr ?? "")}`.trim().split("\n")[0];
    return r.exitCode === 0 && out ? out : undefined;
  };
  return {
    nodeVersion: process.versions.node,
    ...(pkg.engines?.node ? { engines: pkg.engines.node } : {}),
    inRepository,
    async functionRuntimes() {
      if (!inRepository) return [];
      const { discoverFunctions } = await import("../core/cfn/templates.ts");
      try {
        return discoverFunctions(path.join(settings.root, "infra", "template.yml"), settings.root).functions.map((f) => f.runtime ?? "");
      } catch {
        return [];
      }
    },
    credentialsFile: () => facts(credentialsPath),
    configFile: () => facts(configPath),
    async target() {
      const t = await clients.sessionProfile(ctx);
      const region = await clients.resolveRegion(ctx, t.exists ? t.profile.value : undefined);
      const endpoint = clients.endpointFrom(ctx);
      return {
        profile: { ...t.profile, exists: t.exists },
        region,
        ...(endpoint ? { endpoint: { value: endpoint, source: ctx.global.endpointUrl ? "flag" : "environment" } } : {}),
      };
    },
    async session() {
      const t = await clients.sessionProfile(ctx);
      const found = sessionsIn((await readProfileFile(credentialsPath)) ?? Buffer.alloc(0), ctx.now()).find((s) => s.profile === t.profile.value);
      return found ? { profile: found.profile, secondsLeft: found.secondsLeft, valid: found.valid } : undefined;
    },
    ...(online
      ? {
          async callerIdentity() {
            const { callerIdentity } = await import("../aws/sts.ts");
            const target = await clients.sessionTarget(ctx);
            return callerIdentity(clients.clientConfig(target), target.endpoint);
          },
        }
      : {}),
    branch: () => currentBranch(ctx.cwd),
    async toolVersion(t) {
      if (t === "python3") return tool("python3", ["--version"]);
      if (t === "moto") return (await tool("python3", ["-c", "import moto, moto.server; print('moto', moto.__version__)"])) ?? undefined;
      if (t === "cfn-lint") return tool("cfn-lint", ["--version"]);
      if (t === "aws") return tool("aws", ["--version"]);
      return tool(t, ["--version"]);
    },
  };
}
