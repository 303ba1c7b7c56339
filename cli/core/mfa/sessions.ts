/**
 * The sessions hdoc wrote: the profiles of a credentials file that carry hdoc's expiry key, with
 * their time left. Free of the AWS SDK (`hdoc mfa status` loads only this and the file parser).
 */
import { parseProfileFile } from "./profile-sections.ts";

/** Keys hdoc adds to a session profile; the AWS CLI and SDKs ignore keys they do not know. */
export const EXPIRATION_KEY = "hdoc_expiration";
export const SOURCE_KEY = "hdoc_source_profile";
export const SERIAL_KEY = "hdoc_mfa_serial";

export interface SessionInfo {
  profile: string;
  expiration: Date;
  secondsLeft: number;
  valid: boolean;
  sourceProfile?: string;
  serialNumber?: string;
  account?: string;
}

const accountFromArn = (arn: string | undefined) => (arn ? /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] : undefined);

/** The profiles of a credentials file that carry hdoc's expiry key, in file order. */
export function sessionsIn(data: Uint8Array | string, now: Date): SessionInfo[] {
  const out: SessionInfo[] = [];
  for (const [profile, keys] of parseProfileFile(data).profiles) {
    const raw = keys[EXPIRATION_KEY];
    if (raw === undefined) continue;
    const expiration = new Date(raw);
    const ms = expiration.getTime() - now.getTime();
    const complete = Boolean(keys.aws_access_key_id && keys.aws_secret_access_key && keys.aws_session_token);
    out.push({
      profile,
      expiration,
      secondsLeft: Number.isNaN(ms) ? 0 : Math.max(0, Math.floor(ms / 1000)),
      valid: complete && !Number.isNaN(ms) && ms > 0,
      ...(keys[SOURCE_KEY] ? { sourceProfile: keys[SOURCE_KEY] } : {}),
      ...(keys[SERIAL_KEY] ? { serialNumber: keys[SERIAL_KEY], account: accountFromArn(keys[SERIAL_KEY]) } : {}),
    });
  }
  return out;
}
