/** Exit codes of every command (the CLI's contract with CI pipelines). */
export const EXIT = { ok: 0, failed: 1, timeout: 2, usage: 3 } as const;

/** An error that ends the command with a given exit code and message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The API answered with an error: its own message is what the user needs to see. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message, EXIT.usage);
    this.name = 'ApiError';
  }
}
