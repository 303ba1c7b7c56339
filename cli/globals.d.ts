/** Replaced at build time by scripts/build-cli.mjs with package.json's version. */
declare const HDOC_VERSION: string;
