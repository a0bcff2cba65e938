/** What every `attest` subcommand module exports. */
export interface Command {
  /** One line for `attest help`. */
  readonly summary: string;
  /** Usage text shown by `attest help NAME` and on usage errors. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
