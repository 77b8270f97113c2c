/** A parsed command line: positionals and --flags (`--k v`, `--k=v`, or a bare `--k` for true). */
export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | true>;
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
        if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        flags[name] = v;
        i++;
      }
    } else positionals.push(a);
  }
  return { positionals, flags };
}

/** Refuses flags a command does not take, so a typo is an error rather than ignored. */
export function onlyFlags(args: ParsedArgs, allowed: readonly string[]): void {
  for (const k of Object.keys(args.flags)) {
    if (!allowed.includes(k))
      throw new UsageError(
        `unknown option --${k} (this command takes ${allowed.map((a) => `--${a}`).join(', ') || 'no options'})`,
      );
  }
}
