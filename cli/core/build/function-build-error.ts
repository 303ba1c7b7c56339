/** A function that cannot be built, with every line worth showing (esbuild's messages, files outside the repository). */
export class FunctionBuildError extends Error {
  constructor(message: string, readonly details: string[] = []) {
    super(message);
  }
}
