/**
 * The STS port for the source profile, configured from that profile alone: its region, FIPS and
 * dual-stack settings and endpoint_url (the flags and AWS_* variables still win), and the SDK told
 * to read that profile, so nothing of [default] or AWS_PROFILE leaks in. Loads the AWS SDK.
 */
import type { Context } from "../../context.ts";
import { regionWith } from "./profiles.ts";
import type { LoginDeps } from "../../core/mfa/session.ts";
import { clientConfig, describeTarget, endpointFrom, type AwsTarget } from "../../aws/clients.ts";
import { stsApi } from "../../aws/sts.ts";

const flagFromEnv = (v: string | undefined) => (v === undefined ? undefined : v.trim().toLowerCase() === "true");

export function sourceSts(ctx: Context, sourceName: string): LoginDeps["sts"] {
  return async (credentials, s) => {
    const region = await regionWith(ctx, s.region);
    const endpoint = endpointFrom(ctx) ?? ctx.env.AWS_ENDPOINT_URL_STS ?? s.endpointUrl;
    const t: AwsTarget = { region, profile: { value: sourceName, source: "flag" }, credentials, ...(endpoint ? { endpoint } : {}) };
    ctx.io.verbose(describeTarget(t));
    return stsApi(
      {
        ...clientConfig(t),
        profile: s.profile,
        useFipsEndpoint: flagFromEnv(ctx.env.AWS_USE_FIPS_ENDPOINT) ?? s.useFipsEndpoint,
        useDualstackEndpoint: flagFromEnv(ctx.env.AWS_USE_DUALSTACK_ENDPOINT) ?? s.useDualstackEndpoint,
      },
      { credentialsLabel: `source profile '${sourceName}'`, ...(endpoint ? { endpoint } : {}) },
    );
  };
}
