import { z } from 'zod';
import { collectionNameSchema } from '../../postgres/collections';
import { STRATEGIES, strategyByName } from '../../strategies/registry';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import type { SystemHandles } from '../system-connection';
import { requestAttempt } from './trigger';

const argsSchema = z.object({
  collection: collectionNameSchema,
  strategy: z.string().refine((s) => strategyByName(s) !== undefined, (s) => ({ message: `no strategy "${s}" (known: ${STRATEGIES.map((d) => d.name).join(', ')})` })),
  params: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'parameter names are lower_snake_case'), z.string().max(200)),
  dry_run: z.boolean(),
});

/**
 * `selfheal execute <collection> <strategy> [--dry-run] [--param k=v …]`: ruvector_healing_execute.
 * A dry run classifies, selects and sandboxes only; nothing is changed.
 */
export async function executeCommand(args: ParsedArgs, sys: SystemHandles, out: (l: string) => void, argv: string[] = []): Promise<CommandResult> {
  onlyFlags(args, ['json', 'dry-run', 'param', 'no-wait']);
  if (args.positionals.length !== 2) throw new UsageError('usage: selfheal execute <collection> <strategy> [--dry-run] [--param k=v …] [--json]');
  const params: Record<string, string> = {};
  for (const p of paramValues(argv)) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes k=v, not "${p}"`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const a = argsSchema.parse({ collection: args.positionals[0], strategy: args.positionals[1], params, dry_run: args.flags['dry-run'] === true });
  return requestAttempt(sys, a.collection, { by: 'execute', strategy: a.strategy, params: a.params, dry_run: a.dry_run }, !args.flags['no-wait'], out);
}

/** --param may repeat; the flag parser keeps the last, so read them all from the raw arguments. */
function paramValues(argv: string[]): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === '--param' && argv[i + 1] !== undefined) out.push(argv[i + 1]!);
    else if (a.startsWith('--param=')) out.push(a.slice('--param='.length));
  });
  return out;
}
