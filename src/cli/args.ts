/** A parsed command line: positionals and --flags (`--k v`, `--k=v`, or a bare `--k` for true). */
export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | true>;
  /**
   * Flags given without the value they need (last, or followed by another flag). Reported by
   * onlyFlags, after unknown flags: a misspelt flag is unknown, not short of a value.
   */
  missingValue: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[], booleanFlags: ReadonlySet<string>): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  const missingValue: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`bad option ${a}`);
      if (eq > 0) flags[name] = a.slice(eq + 1);
      else if (booleanFlags.has(name)) flags[name] = true;
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) missingValue.push(name);
        else {
          flags[name] = v;
          i++;
        }
      }
    } else positionals.push(a);
  }
  return { positionals, flags, missingValue };
}

/**
 * Refuses flags a command does not take, so a typo is an error rather than ignored, wherever it
 * stands; then a known flag given without its value. Every command calls it before reading a flag.
 */
export function onlyFlags(args: ParsedArgs, allowed: readonly string[]): void {
  for (const k of [...Object.keys(args.flags), ...args.missingValue]) {
    if (!allowed.includes(k))
      throw new UsageError(
        `unknown option --${k} (this command takes ${allowed.map((a) => `--${a}`).join(', ') || 'no options'})`,
      );
  }
  const [missing] = args.missingValue;
  if (missing !== undefined) throw new UsageError(`--${missing} needs a value`);
}
