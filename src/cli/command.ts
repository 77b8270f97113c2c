/** What a command hands back: data for --json, and the process exit code. */
export interface CommandResult {
  data: unknown;
  exitCode: number;
}
