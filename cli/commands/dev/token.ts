import type { CommandDef } from "../command.ts";
import { HdocError } from "../../errors.ts";

interface TokenOpts {
  email?: string;
  name?: string;
  expiresIn: string;
}

export const devToken: CommandDef<TokenOpts> = {
  path: ["dev", "token"],
  summary: "Print an ID token that hdoc dev's local Cognito authorizer accepts",
  description:
    "The token is signed by the local issuer (its key is kept in .hdoc/dev/issuer-key.json) and carries the claims " +
    "of a Cognito ID token: custom:github_username, email, name, sub (the same for the same username). Put it in " +
    "the Authorization header of a write route. Only hdoc dev accepts it.",
  examples: [
    "hdoc dev token octocat",
    "hdoc dev token ada --email ada@example.com --expires-in 10m",
    'curl -X POST -H "Authorization: $(hdoc dev token octocat)" http://127.0.0.1:3000/users/octocat/articles -d \'{"title":"Day 1","url":"https://example.com/1"}\'',
  ],
  configure(cmd) {
    cmd
      .argument("<github_username>", "the GitHub username the token is for (custom:github_username)")
      .option("--email <address>", "the token's email claim (default: <github_username>@example.com)")
      .option("--name <name>", "the token's name claim (default: the GitHub username)")
      .option("--expires-in <duration>", "how long the token is valid: seconds or 1h, 30m, 1h30m (at most 24h, like Cognito)", "1h");
  },
  async run(opts, ctx, args) {
    const { parseDuration } = await import("../../core/mfa/duration.ts");
    const { issueDevToken } = await import("../../core/dev/auth/token.ts");
    let expiresIn: number;
    try {
      expiresIn = parseDuration(opts.expiresIn, { flag: "--expires-in", minSeconds: 1, maxSeconds: 86_400 });
    } catch (e) {
      if (e instanceof HdocError && !e.hint) throw new HdocError(e.code, e.message, "Cognito's ID tokens last at most a day: e.g. --expires-in 1h");
      throw e;
    }
    const settings = await ctx.settings();
    const t = await issueDevToken({ repoRoot: settings.root, githubUsername: args[0]!, email: opts.email, name: opts.name, expiresIn, now: ctx.now() });
    if (ctx.io.json) ctx.io.result({ token: t.token, github_username: t.githubUsername, sub: t.sub, email: t.email, expires_at: t.expiresAt.toISOString() });
    else {
      ctx.io.out(t.token);
      ctx.io.info(`ID token for ${t.githubUsername} (sub ${t.sub}), valid until ${t.expiresAt.toISOString()}; only hdoc dev accepts it`);
    }
    return 0;
  },
};
