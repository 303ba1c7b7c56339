/** Replaced at build time by scripts/build-cli.mjs with package.json's version. */
declare const HDOC_VERSION: string;
/** `true` in the built CLI (scripts/build-cli.mjs); undefined when running from the sources. */
declare const HDOC_BUNDLED: boolean;
/** A digest of the CLI's sources in the built CLI (scripts/build-cli.mjs); undefined when running from the sources. */
declare const HDOC_CODE_ID: string | undefined;
