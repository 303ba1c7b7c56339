/**
 * MFA sessions: `login` turns a profile's long-term keys plus an MFA code into a session written
 * to another profile; `sessions` lists what hdoc wrote. Pure logic over injected dependencies (STS
 * port, clock, files, prompt, output); the command files wire the real ones.
 */
import { HdocError } from "../../errors.ts";
import type { Resolved, Source } from "../settings.ts";
import type { CallerIdentity, StsApi } from "../../aws/sts.ts";
import { parseCredentials, setProfile, type UpdateResult } from "./credentials-file.ts";

/** Keys hdoc adds to a session profile; the AWS CLI and SDKs ignore keys they do not know. */
export const EXPIRATION_KEY = "hdoc_expiration";
export const SOURCE_KEY = "hdoc_source_profile";
export const SERIAL_KEY = "hdoc_mfa_serial";

export type Profiles = Record<string, Record<string, string | undefined>>;

export interface SessionFiles {
  credentialsPath: string;
  configPath: string;
  /** Both shared files as the SDK reads them (config profiles without the `profile ` prefix). */
  profiles(): Promise<{ config: Profiles; credentials: Profiles }>;
  readCredentials(): Promise<string | undefined>;
  updateCredentials(edit: (current: string) => string): Promise<UpdateResult>;
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface LoginDeps {
  now(): Date;
  files: SessionFiles;
  /** An STS port that signs with `credentials`. */
  sts(credentials: StaticCredentials): StsApi | Promise<StsApi>;
  /** Whether the user can be asked (a terminal); without one, a missing --token-code is a usage error. */
  interactive: boolean;
  /** Asks for the MFA code (the prompt applies `validate`). */
  promptTokenCode(validate: (value: string) => string | true): Promise<string>;
  /** Registers a secret so it is masked in anything printed. */
  secret(value: string): void;
  /** A note for the user (stderr). */
  note(line: string): void;
  /** Detail shown with --verbose only. */
  detail(line: string): void;
}

export interface LoginInput {
  source: Resolved<string>;
  target: Resolved<string>;
  serialNumber?: string;
  tokenCode?: string;
  durationSeconds: number;
  minRemainingSeconds: number;
  force: boolean;
}

export interface LoginResult {
  profile: string;
  expiration: Date;
  /** False when a still-valid session was kept. */
  renewed: boolean;
  sourceProfile?: string;
  account?: string;
  serialNumber?: string;
  credentialsFile: string;
}

/** Where a profile setting came from, in the words of the flag / variable / setting that gave it. */
function origin(r: Resolved<string>, flag: string, envVar: string, setting: string): string {
  const words: Record<Source, string> = { flag, environment: envVar, "project file": `${setting} in hdoc.config.json`, samconfig: "samconfig.toml", "AWS config": "AWS config", default: "the default" };
  return words[r.source];
}
const sourceOrigin = (r: Resolved<string>) => origin(r, "--source-profile", "HDOC_SOURCE_PROFILE", "sourceProfile");
const targetOrigin = (r: Resolved<string>) => origin(r, "--target-profile", "HDOC_TARGET_PROFILE", "targetProfile");

export const validateTokenCode = (v: string): string | true => (/^\d{6}$/.test(v.trim()) ? true : "the MFA code is exactly 6 digits");

/** arn:aws:iam::ACCOUNT:user/[path/]NAME (and moto's arn:aws:sts::ACCOUNT:user/NAME) -> arn:aws:iam::ACCOUNT:mfa/NAME. */
export function serialFromArn(arn: string): string | undefined {
  const m = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:mfa/${m[3]}` : undefined;
}

const accountFromArn = (arn: string | undefined) => (arn ? /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] : undefined);

/** STS's SerialNumber constraint: an MFA device ARN or a hardware device's serial number. */
const SERIAL_PATTERN = /^[\w+=/:,.@-]{9,256}$/;

export interface SessionInfo {
  profile: string;
  expiration: Date;
  secondsLeft: number;
  valid: boolean;
  sourceProfile?: string;
  serialNumber?: string;
  account?: string;
}

/** The profiles of a credentials file that carry hdoc's expiry key, in file order. */
export function sessionsIn(text: string, now: Date): SessionInfo[] {
  const out: SessionInfo[] = [];
  for (const [profile, keys] of parseCredentials(text).profiles) {
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

function checkInput(input: LoginInput): void {
  if (input.source.value === input.target.value) {
    throw new HdocError(
      "USAGE",
      `the target profile '${input.target.value}' (${targetOrigin(input.target)}) is the source profile (${sourceOrigin(input.source)}): writing the session there would overwrite its long-term keys`,
      "choose another profile with --target-profile (default: mfa)",
    );
  }
  if (input.tokenCode !== undefined && validateTokenCode(input.tokenCode) !== true) {
    throw new HdocError("USAGE", "--token-code must be exactly 6 digits", "use the current code shown by your MFA device, e.g. --token-code 123456");
  }
  if (input.serialNumber !== undefined && !SERIAL_PATTERN.test(input.serialNumber)) {
    throw new HdocError("USAGE", `--serial-number ${JSON.stringify(input.serialNumber)} is not an MFA device ARN or serial number`, "e.g. --serial-number arn:aws:iam::123456789012:mfa/alice");
  }
}

/** The session already in the target profile, if it can be kept; throws if the target holds long-term keys. */
function existingSession(text: string | undefined, input: LoginInput, now: Date, deps: LoginDeps): SessionInfo | undefined {
  if (text === undefined) return undefined;
  const keys = parseCredentials(text).profiles.get(input.target.value);
  if (!keys) return undefined;
  if (keys[EXPIRATION_KEY] === undefined && keys.aws_access_key_id && !keys.aws_session_token) {
    throw new HdocError(
      "USAGE",
      `profile '${input.target.value}' holds long-term access keys (no session token, not written by hdoc); hdoc will not overwrite them`,
      "choose another --target-profile, or rename that profile first",
    );
  }
  const session = sessionsIn(text, now).find((s) => s.profile === input.target.value);
  if (!session?.valid) return undefined;
  if (session.sourceProfile && session.sourceProfile !== input.source.value) {
    deps.note(`the session in '${input.target.value}' came from profile '${session.sourceProfile}'; renewing it from '${input.source.value}'`);
    return undefined;
  }
  if (input.force) return undefined;
  return session.secondsLeft > input.minRemainingSeconds ? session : undefined;
}

async function sourceCredentials(input: LoginInput, deps: LoginDeps): Promise<{ credentials: StaticCredentials; mfaSerial?: { value: string; file: string } }> {
  const name = input.source.value;
  const { config, credentials } = await deps.files.profiles();
  if (!(name in config) && !(name in credentials)) {
    const known = [...new Set([...Object.keys(credentials), ...Object.keys(config)])].sort();
    throw new HdocError(
      "AUTH",
      `unknown source profile '${name}' (${sourceOrigin(input.source)}): ${known.length ? `the profiles that exist are ${known.join(", ")}` : `no profiles in ${deps.files.credentialsPath} or ${deps.files.configPath}`}`,
      known.length ? "pick one with --source-profile (or HDOC_SOURCE_PROFILE)" : `add your IAM user's access keys with \`aws configure --profile ${name}\``,
    );
  }
  const keys = { ...config[name], ...credentials[name] };
  if (!keys.aws_access_key_id || !keys.aws_secret_access_key) {
    throw new HdocError(
      "AUTH",
      `source profile '${name}' has no aws_access_key_id and aws_secret_access_key`,
      `hdoc mfa login needs an IAM user's long-term access keys in that profile: \`aws configure --profile ${name}\``,
    );
  }
  deps.secret(keys.aws_access_key_id);
  deps.secret(keys.aws_secret_access_key);
  if (keys.aws_session_token) deps.secret(keys.aws_session_token);
  const serialIn = config[name]?.mfa_serial ? { value: config[name]!.mfa_serial!, file: deps.files.configPath } : credentials[name]?.mfa_serial ? { value: credentials[name]!.mfa_serial!, file: deps.files.credentialsPath } : undefined;
  return {
    credentials: { accessKeyId: keys.aws_access_key_id, secretAccessKey: keys.aws_secret_access_key, ...(keys.aws_session_token ? { sessionToken: keys.aws_session_token } : {}) },
    ...(serialIn ? { mfaSerial: serialIn } : {}),
  };
}

function resolveSerial(input: LoginInput, fromConfig: { value: string; file: string } | undefined, identity: CallerIdentity): { serial: string; from: string } {
  if (input.serialNumber) return { serial: input.serialNumber, from: "--serial-number" };
  if (fromConfig) return { serial: fromConfig.value, from: `mfa_serial of profile '${input.source.value}' in ${fromConfig.file}` };
  const derived = serialFromArn(identity.arn);
  if (!derived) {
    throw new HdocError(
      "USAGE",
      `cannot derive the MFA device from the caller ${identity.arn} (not an IAM user)`,
      `pass --serial-number, or set mfa_serial in [profile ${input.source.value}] of the AWS config file`,
    );
  }
  return { serial: derived, from: `derived from the caller identity ${identity.arn}` };
}

export async function login(input: LoginInput, deps: LoginDeps): Promise<LoginResult> {
  checkInput(input);
  const now = deps.now();
  const kept = existingSession(await deps.files.readCredentials(), input, now, deps);
  if (kept) {
    return {
      profile: kept.profile,
      expiration: kept.expiration,
      renewed: false,
      ...(kept.sourceProfile ? { sourceProfile: kept.sourceProfile } : {}),
      ...(kept.account ? { account: kept.account } : {}),
      ...(kept.serialNumber ? { serialNumber: kept.serialNumber } : {}),
      credentialsFile: deps.files.credentialsPath,
    };
  }

  if (input.tokenCode === undefined && !deps.interactive) {
    throw new HdocError("USAGE", "no --token-code given, and this is not an interactive terminal to ask for the MFA code", "pass the current code from your MFA device: hdoc mfa login --token-code 123456");
  }
  const source = await sourceCredentials(input, deps);
  const sts = await deps.sts(source.credentials);
  // Checks the long-term keys before the user types a code (and tells us who they are).
  const identity = await sts.getCallerIdentity();
  deps.detail(`source profile '${input.source.value}' is ${identity.arn}`);
  const { serial, from } = resolveSerial(input, source.mfaSerial, identity);
  deps.note(`MFA device: ${serial} (${from})`);

  const tokenCode = (input.tokenCode ?? (await deps.promptTokenCode(validateTokenCode))).trim();
  const session = await sts.getSessionToken({ serialNumber: serial, tokenCode, durationSeconds: input.durationSeconds });
  deps.secret(session.accessKeyId);
  deps.secret(session.secretAccessKey);
  deps.secret(session.sessionToken);

  const values: Array<[string, string]> = [
    ["aws_access_key_id", session.accessKeyId],
    ["aws_secret_access_key", session.secretAccessKey],
    ["aws_session_token", session.sessionToken],
    [EXPIRATION_KEY, session.expiration.toISOString()],
    [SOURCE_KEY, input.source.value],
    [SERIAL_KEY, serial],
  ];
  const written = await deps.files.updateCredentials((current) => {
    // Re-checked under the lock: another login may have changed the file since it was read.
    existingSession(current, { ...input, force: true }, now, { ...deps, note: () => undefined });
    const next = setProfile(current, input.target.value, values);
    const check = parseCredentials(next).profiles.get(input.target.value);
    if (!values.every(([k, v]) => check?.[k] === v)) throw new HdocError("INTERNAL", `the edited credentials file would not hold profile '${input.target.value}' correctly; nothing was written`);
    return next;
  });
  deps.detail(`wrote profile '${input.target.value}' to ${written.realPath}${written.created ? " (created, mode 0600)" : ""}`);
  return {
    profile: input.target.value,
    expiration: session.expiration,
    renewed: true,
    sourceProfile: input.source.value,
    account: identity.account,
    serialNumber: serial,
    credentialsFile: deps.files.credentialsPath,
  };
}
