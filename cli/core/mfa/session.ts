/**
 * MFA sessions: `login` turns a profile's long-term keys plus an MFA code into a session written
 * to another profile (or, for `mfa exec --no-write`, only returned). Pure logic over injected
 * dependencies (STS port, clock, files, prompt, output); the command files wire the real ones.
 */
import { HdocError } from "../../errors.ts";
import type { Resolved, Source } from "../settings.ts";
import type { CallerIdentity, StsApi } from "../../aws/sts.ts";
import type { UpdateResult } from "./credentials-file.ts";
import { cliProblem, parseProfileFile, setProfile } from "./profile-sections.ts";
import { EXPIRATION_KEY, SERIAL_KEY, SOURCE_KEY, sessionsIn, type SessionInfo } from "./sessions.ts";
import { mfaSerialOf, profileRegion, requireSourceProfile, sharedProfiles, sourceKeys, stsSettings, type SharedProfiles, type SourceKeys, type StsProfileSettings } from "./source-profile.ts";

export { EXPIRATION_KEY, SERIAL_KEY, SOURCE_KEY, sessionsIn, type SessionInfo } from "./sessions.ts";

export interface SessionFiles {
  credentialsPath: string;
  configPath: string;
  readCredentials(): Promise<Uint8Array | undefined>;
  readConfig(): Promise<Uint8Array | undefined>;
  updateCredentials(edit: (current: Buffer) => Buffer): Promise<UpdateResult>;
  updateConfig(edit: (current: Buffer) => Buffer): Promise<UpdateResult>;
}

export type StaticCredentials = SourceKeys;

export interface LoginDeps {
  now(): Date;
  files: SessionFiles;
  /** An STS port that signs with `credentials`, configured from the source profile's `settings`. */
  sts(credentials: StaticCredentials, settings: StsProfileSettings): StsApi | Promise<StsApi>;
  /** Whether the user can be asked (a terminal); without one, a missing --token-code is a usage error. */
  interactive: boolean;
  /** Asks for the MFA code (the prompt applies `validate`). */
  promptTokenCode(validate: (value: string) => string | true): Promise<string>;
  /** Registers a secret so it is masked in anything printed. */
  secret(value: string): void;
  /** A note for the user (stderr). */
  note(line: string): void;
  /** A warning for the user (stderr). */
  warn(line: string): void;
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
  /** False for `mfa exec --no-write`: the session is returned, never written (default true). */
  write?: boolean;
}

export interface LoginResult {
  profile: string;
  expiration: Date;
  /** False when a still-valid session was kept. */
  renewed: boolean;
  /** Whether the session is in the credentials file (false only with `write: false` and a new session). */
  written: boolean;
  credentials: Required<StaticCredentials>;
  /** The region of the target profile, else of the source profile. */
  region?: string;
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

/** Codes as authenticator apps show them ("123 456") are the same code. */
export const normalizeTokenCode = (v: string): string => v.replace(/\s+/g, "");
export const validateTokenCode = (v: string): string | true => (/^\d{6}$/.test(normalizeTokenCode(v)) ? true : "the MFA code is exactly 6 digits");
/** Tries in a terminal when STS rejects a code. */
export const CODE_TRIES = 3;

/** arn:aws:iam::ACCOUNT:user/[path/]NAME (and moto's arn:aws:sts::ACCOUNT:user/NAME) -> arn:aws:iam::ACCOUNT:mfa/NAME. */
export function serialFromArn(arn: string): string | undefined {
  const m = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:mfa/${m[3]}` : undefined;
}

/** STS's SerialNumber constraint: an MFA device ARN or a hardware device's serial number. */
const SERIAL_PATTERN = /^[\w+=/:,.@-]{9,256}$/;

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
function existingSession(data: Uint8Array | undefined, input: LoginInput, now: Date, note: (line: string) => void): SessionInfo | undefined {
  if (data === undefined) return undefined;
  const keys = parseProfileFile(data).profiles.get(input.target.value);
  if (!keys) return undefined;
  if (keys[EXPIRATION_KEY] === undefined && keys.aws_access_key_id && !keys.aws_session_token) {
    throw new HdocError(
      "USAGE",
      `profile '${input.target.value}' holds long-term access keys (no session token, not written by hdoc); hdoc will not overwrite them`,
      "choose another --target-profile, or rename that profile first",
    );
  }
  const session = sessionsIn(data, now).find((s) => s.profile === input.target.value);
  if (!session?.valid) return undefined;
  if (session.sourceProfile && session.sourceProfile !== input.source.value) {
    note(`the session in '${input.target.value}' came from profile '${session.sourceProfile}'; renewing it from '${input.source.value}'`);
    return undefined;
  }
  if (input.force) return undefined;
  return session.secondsLeft > input.minRemainingSeconds ? session : undefined;
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

const isCodeRejected = (e: unknown) => e instanceof HdocError && (e as { mfaCodeRejected?: boolean }).mfaCodeRejected === true;

/** Asks STS for the session; in a terminal, a rejected code is asked for again (up to CODE_TRIES). */
async function getSession(sts: StsApi, input: LoginInput, serial: string, deps: LoginDeps) {
  let code = input.tokenCode;
  for (let attempt = 1; ; attempt++) {
    code = normalizeTokenCode(code ?? (await deps.promptTokenCode(validateTokenCode)));
    try {
      return await sts.getSessionToken({ serialNumber: serial, tokenCode: code, durationSeconds: input.durationSeconds });
    } catch (e) {
      if (!isCodeRejected(e) || !deps.interactive || attempt >= CODE_TRIES) throw e;
      deps.note(`code rejected; wait for the next code (try ${attempt + 1} of ${CODE_TRIES})`);
      code = undefined;
    }
  }
}

function tellAboutWrite(w: UpdateResult, deps: LoginDeps, profile: string): void {
  for (const p of w.removedLeftovers) deps.note(`removed ${p}, a temporary copy left by an interrupted hdoc`);
  if (w.mode & 0o077) {
    deps.warn(`${w.realPath} can be read by others (mode ${(w.mode & 0o777).toString(8).padStart(4, "0")}) and now holds a session token; fix it with: chmod 600 ${w.realPath}`);
  }
  deps.detail(`wrote profile '${profile}' to ${w.realPath}${w.created ? " (created, mode 0600)" : ""}`);
}

/** Writes the source profile's region into [profile <target>] of the config file when the target has none. */
async function inheritRegion(p: SharedProfiles, input: LoginInput, deps: LoginDeps): Promise<string | undefined> {
  const own = profileRegion(p, input.target.value);
  if (own) return own;
  const region = profileRegion(p, input.source.value);
  if (!region) return undefined;
  const w = await deps.files.updateConfig((current) => {
    if (parseProfileFile(current, "config").profiles.get(input.target.value)?.region) return current;
    return setProfile(current, input.target.value, [["region", region]], "config");
  });
  if (w.changed) deps.note(`set region ${region} for profile '${input.target.value}' in ${w.realPath} (from source profile '${input.source.value}')`);
  const problem = cliProblem(await deps.files.readConfig() ?? "");
  if (problem) deps.warn(`the AWS CLI cannot read ${w.realPath}: ${problem}; hdoc changed only [profile ${input.target.value}]`);
  return region;
}

export async function login(input: LoginInput, deps: LoginDeps): Promise<LoginResult> {
  checkInput(input);
  const now = deps.now();
  const write = input.write !== false;
  const credentialsText = await deps.files.readCredentials();
  const profiles = sharedProfiles({ credentials: credentialsText, config: await deps.files.readConfig(), credentialsPath: deps.files.credentialsPath, configPath: deps.files.configPath });
  requireSourceProfile(profiles, input.source.value, sourceOrigin(input.source));
  const kept = existingSession(credentialsText, input, now, deps.note);
  if (kept) {
    const keys = profiles.credentials.get(kept.profile)!;
    for (const k of ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"]) deps.secret(keys[k]!);
    const region = profileRegion(profiles, kept.profile) ?? profileRegion(profiles, input.source.value);
    return {
      profile: kept.profile,
      expiration: kept.expiration,
      renewed: false,
      written: true,
      credentials: { accessKeyId: keys.aws_access_key_id!, secretAccessKey: keys.aws_secret_access_key!, sessionToken: keys.aws_session_token! },
      ...(region ? { region } : {}),
      ...(kept.sourceProfile ? { sourceProfile: kept.sourceProfile } : {}),
      ...(kept.account ? { account: kept.account } : {}),
      ...(kept.serialNumber ? { serialNumber: kept.serialNumber } : {}),
      credentialsFile: deps.files.credentialsPath,
    };
  }

  if (input.tokenCode === undefined && !deps.interactive) {
    throw new HdocError("USAGE", "no --token-code given, and this is not an interactive terminal to ask for the MFA code", "pass the current code from your MFA device: hdoc mfa login --token-code 123456");
  }
  const source = sourceKeys(profiles, input.source.value);
  deps.secret(source.accessKeyId);
  deps.secret(source.secretAccessKey);
  if (source.sessionToken) deps.secret(source.sessionToken);
  const sts = await deps.sts(source, stsSettings(profiles, input.source.value));
  // Checks the long-term keys before the user types a code (and tells us who they are).
  const identity = await sts.getCallerIdentity();
  deps.detail(`source profile '${input.source.value}' is ${identity.arn}`);
  const { serial, from } = resolveSerial(input, mfaSerialOf(profiles, input.source.value), identity);
  deps.note(`MFA device: ${serial} (${from})`);

  const session = await getSession(sts, input, serial, deps);
  deps.secret(session.accessKeyId);
  deps.secret(session.secretAccessKey);
  deps.secret(session.sessionToken);
  const result: LoginResult = {
    profile: input.target.value,
    expiration: session.expiration,
    renewed: true,
    written: write,
    credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken },
    sourceProfile: input.source.value,
    account: identity.account,
    serialNumber: serial,
    credentialsFile: deps.files.credentialsPath,
  };
  if (!write) {
    const region = profileRegion(profiles, input.target.value) ?? profileRegion(profiles, input.source.value);
    return { ...result, ...(region ? { region } : {}) };
  }

  const values: Array<[string, string]> = [
    ["aws_access_key_id", session.accessKeyId],
    ["aws_secret_access_key", session.secretAccessKey],
    ["aws_session_token", session.sessionToken],
    [EXPIRATION_KEY, session.expiration.toISOString()],
    [SOURCE_KEY, input.source.value],
    [SERIAL_KEY, serial],
  ];
  let problem: string | undefined;
  const written = await deps.files.updateCredentials((current) => {
    // Re-checked under the lock: another login may have changed the file since it was read.
    existingSession(current, { ...input, force: true }, now, () => undefined);
    const next = setProfile(current, input.target.value, values);
    const check = parseProfileFile(next).profiles.get(input.target.value);
    if (!values.every(([k, v]) => check?.[k] === v)) throw new HdocError("INTERNAL", `the edited credentials file would not hold profile '${input.target.value}' correctly; nothing was written`);
    problem = cliProblem(next);
    return next;
  });
  tellAboutWrite(written, deps, input.target.value);
  if (problem) deps.warn(`the AWS CLI cannot read ${written.realPath}: ${problem}; hdoc changed only [${input.target.value}]`);
  const region = await inheritRegion(profiles, input, deps);
  return { ...result, ...(region ? { region } : {}) };
}
