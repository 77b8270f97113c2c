import { z } from 'zod';
import { collectionNameSchema } from '../../postgres/collections';
import { isStrategyName, unknownStrategyMessage } from '../../domain/strategy-names';
import { strategyParamsSchema } from '../../strategies/strategy-params';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import type { SystemHandles } from '../system-connection';
import { followOutput } from './follow';
import { requestAttempt } from './trigger';

const argsSchema = z
  .object({
    collection: collectionNameSchema,
    strategy: z.string().refine(
      (s) => isStrategyName(s),
      (s) => ({ message: unknownStrategyMessage(s) }),
    ),
    params: z.record(
      z.string().regex(/^[a-z][a-z0-9_]*$/, 'parameter names are lower_snake_case'),
      z.string().max(200),
    ),
    dry_run: z.boolean(),
  })
  // The strategy's own parameter schema, the one the guardian, the workflow and the activities use.
  .superRefine((a, ctx) => {
    if (!isStrategyName(a.strategy)) return;
    for (const issue of strategyParamsSchema(a.strategy).safeParse(a.params).error?.issues ?? []) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [`--param ${issue.path.join('.')}`], message: issue.message });
    }
  });

/**
 * `selfheal execute <collection> <strategy> [--dry-run] [--param k=v …]`: ruvector_healing_execute.
 * A dry run classifies, selects and sandboxes only; nothing is changed.
 */
export async function executeCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
  argv: string[] = [],
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'dry-run', 'param', 'no-wait']);
  if (args.positionals.length !== 2)
    throw new UsageError('usage: selfheal execute <collection> <strategy> [--dry-run] [--param k=v …] [--json]');
  const params: Record<string, string> = {};
  for (const p of paramValues(argv)) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes k=v, not "${p}"`);
    if (Object.hasOwn(params, p.slice(0, eq))) throw new UsageError(`--param ${p.slice(0, eq)} is given twice`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const a = argsSchema.parse({
    collection: args.positionals[0],
    strategy: args.positionals[1],
    params,
    dry_run: args.flags['dry-run'] === true,
  });
  return requestAttempt(
    sys,
    a.collection,
    {
      by: 'execute',
      strategy: a.strategy,
      ...(Object.keys(a.params).length ? { params: a.params } : {}),
      dry_run: a.dry_run,
    },
    !args.flags['no-wait'],
    out,
    followOutput(args, out),
  );
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
