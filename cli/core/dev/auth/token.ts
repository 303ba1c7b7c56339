/** `hdoc dev token`: an ID token the local authorizer of `hdoc dev` accepts, for the given GitHub username. */
import { HdocError } from "../../../errors.ts";
import { issuerDir } from "./gateway.ts";
import { IssuerKeyError, localIssuer, localSub } from "./issuer.ts";

/** GitHub's rules for a username: 1-39 letters, digits or single hyphens, no hyphen first or last. */
const GITHUB_USERNAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export interface DevToken {
  token: string;
  githubUsername: string;
  sub: string;
  email: string;
  expiresAt: Date;
}

export async function issueDevToken(o: { repoRoot: string; githubUsername: string; email?: string; name?: string; expiresIn: number; now: Date }): Promise<DevToken> {
  if (!GITHUB_USERNAME.test(o.githubUsername)) {
    throw new HdocError("USAGE", `${JSON.stringify(o.githubUsername)} is not a GitHub username`, "use 1-39 letters, digits or single hyphens, not starting or ending with a hyphen, e.g. hdoc dev token octocat");
  }
  const email = o.email ?? `${o.githubUsername.toLowerCase()}@example.com`;
  if (!EMAIL.test(email)) throw new HdocError("USAGE", `--email ${JSON.stringify(email)} is not an e-mail address`, "e.g. --email octocat@example.com");
  let issuer;
  try {
    issuer = await localIssuer(issuerDir(o.repoRoot));
  } catch (e) {
    if (e instanceof IssuerKeyError) throw new HdocError("NOT_VALID", e.message, `delete ${e.file} to make a new key (tokens issued with the old one stop working)`);
    throw e;
  }
  const token = await issuer.issue({ githubUsername: o.githubUsername, email, name: o.name ?? o.githubUsername, expiresIn: o.expiresIn, now: o.now });
  return { token, githubUsername: o.githubUsername, sub: localSub(o.githubUsername), email, expiresAt: new Date(o.now.getTime() + o.expiresIn * 1000) };
}
