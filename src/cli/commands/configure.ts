import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { auditSigner } from '../../postgres/audit-log';
import { collectionNameSchema } from '../../postgres/collections';
import { storeHealingConfig } from '../../postgres/outcome-store';
import {
  applyConfigure,
  ConfigureRefusedError,
  planConfigure,
  type ConfigurePlan,
} from '../../temporal/configure-healing';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import type { SystemHandles } from '../system-connection';
import { showConfiguration } from './configure-show';

const USAGE =
  'usage: selfheal configure <file.json | \'{"min_healing_interval": 600}\'> [--collection name] [--json]\n' +
  '       selfheal configure --show [--collection name] [--json]';

/**
 * `selfheal configure <file|json> [--collection c]`: ruvector_healing_configure (`--show`: what
 * applies now). Validated whole (bounds, unknown keys refused) for every collection it touches
 * before anything is stored, then stored and handed to the running guardians, which apply it
 * without restarting.
 */
export async function configureCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'collection', 'show']);
  const scope = args.flags.collection === undefined ? '*' : collectionNameSchema.parse(String(args.flags.collection));
  if (args.flags.show) {
    if (args.positionals.length) throw new UsageError(`configure --show takes no configuration\n${USAGE}`);
    return showConfiguration(await sys.pool(), scope === '*' ? undefined : scope, out);
  }
  if (args.positionals.length !== 1) throw new UsageError(USAGE);
  const json = readConfiguration(args.positionals[0]!);
  const pool = await sys.pool();
  let plan: ConfigurePlan;
  try {
    plan = await planConfigure(pool, json, scope);
  } catch (err) {
    if (err instanceof ConfigureRefusedError) throw new UsageError(err.message);
    throw err;
  }
  const { change, effective } = plan;
  await storeHealingConfig(pool, scope, plan.stored, {
    signer: auditSigner(sys.settings.auditKey),
    by: userInfo().username,
    change,
  });
  const applied = await applyConfigure(await sys.temporal(), await sys.database(), plan);
  out(`stored for ${scope === '*' ? 'all collections' : scope}: ${JSON.stringify(change)}`);
  if (!sys.settings.auditKey)
    out('audit: recorded unsigned (SELFHEAL_AUDIT_KEY is not set): `selfheal audit verify` will report it');
  out(
    applied.length
      ? `applied to the running guardians of: ${applied.join(', ')}`
      : 'no guardian is running: applied when one starts',
  );
  return { data: { scope, change, applied_to: applied, effective: Object.fromEntries(effective) }, exitCode: 0 };
}

/** The argument as JSON: inline when it looks like JSON, else the file it names. */
function readConfiguration(arg: string): unknown {
  const inline = /^\s*[{[]/.test(arg);
  if (!inline && !existsSync(arg))
    throw new UsageError(
      `${/[/\\]|\.json$/i.test(arg) ? `no file ${arg}` : `"${arg}" is neither a file nor JSON`}: give the path ` +
        `of a JSON file, or the JSON itself ('{"min_healing_interval": 600}')`,
    );
  let text: string;
  try {
    text = inline ? arg : readFileSync(arg, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${arg}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${inline ? 'the configuration' : `file ${arg}`} is not valid JSON: ${(err as Error).message}`,
    );
  }
}
