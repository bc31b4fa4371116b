/** The CLI's exit codes (README "CLI", and every command's --help). */
export const EXIT = {
  ok: 0,
  /** Bad arguments or options, an unknown command, a missing setting. */
  usage: 1,
  /** The API answered with a problem (4xx/5xx other than 401). */
  refused: 2,
  /** No API key, or the API rejected it (401). */
  auth: 3,
  /** The API could not be reached (connection refused, DNS, timeout). */
  network: 4,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  usage: bad arguments or options, unknown command, missing setting
  2  API refusal: the API answered with a problem (shown as one line with its code)
  3  authentication: no API key, or the API rejected it (401)
  4  network: the API could not be reached`;

/** An error that ends the command with this exit code and one line on stderr. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    /** The problem body the API answered with, when the error is an API refusal. */
    readonly problem?: unknown,
  ) {
    super(message);
    this.name = "CliError";
  }
}
