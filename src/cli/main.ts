import { ZodError } from 'zod';
import { UnknownCollectionError, UnwatchedCollectionError } from '../postgres/collections';
import { parseArgs, UsageError } from './args';
import type { CommandResult } from './command';
import { auditCommand } from './commands/audit';
import { configureCommand } from './commands/configure';
import { decideCommand } from './commands/decide';
import { drillCommand } from './commands/drill';
import { effectivenessCommand } from './commands/effectiveness';
import { executeCommand } from './commands/execute';
import { feedbackCommand } from './commands/feedback';
import { followCommand } from './commands/follow';
import { historyCommand } from './commands/history';
import { pauseResumeCommand } from './commands/pause-resume';
import { pendingCommand } from './commands/pending';
import { retentionCommand } from './commands/retention';
import { rollbackCommand } from './commands/rollback';
import { statusCommand } from './commands/status';
import { triggerCommand } from './commands/trigger';
import { listCommand } from './commands/list';
import { migrateCommand } from './commands/migrate';
import { unwatchCommand } from './commands/unwatch';
import { watchCommand } from './commands/watch';
import { weightsCommand } from './commands/weights';
import { workerCommand } from './commands/worker';
import { adviseDatabaseError } from './database-errors';
import { NotFoundError, RefusedError } from './errors';
import { connectSystem, systemSettings, type SystemHandles } from './system-connection';

type Command = (
  args: ReturnType<typeof parseArgs>,
  sys: SystemHandles,
  out: (l: string) => void,
  argv: string[],
) => Promise<CommandResult>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  watch: {
    run: watchCommand,
    help:
      'watch <schema.table> [--as name] [--kind ivf --centroids t [--archive t]]   guard a table\n  watch ' +
      '--database [--include glob,…] [--exclude glob,…] [--min-size 1MB]     guard every matching table, now and later',
  },
  unwatch: {
    run: unwatchCommand,
    help: 'unwatch <collection> | --rule <id>           stop guarding it (its history stays)',
  },
  list: {
    run: listCommand,
    help: 'list [--all]                                 collections: table, kind, size, state, last sample',
  },
  status: {
    run: statusCommand,
    help: 'status [collection]                          integrity, guardian, attempts, cooldown',
  },
  history: {
    run: historyCommand,
    help:
      'history [--since 24h] [--limit 20] [--collection c] [--class C] [--strategy s] [--status S]   past attempts\n' +
      '  history --patterns | --trends [--by day|week] | --stats [filters]   recurring faults, trends, totals (30 d)',
  },
  effectiveness: {
    run: effectivenessCommand,
    help: 'effectiveness [--since 30d]                  per strategy: weights by class, success, time to recovery',
  },
  feedback: {
    run: feedbackCommand,
    help: 'feedback <action-id> --score <-1..1> [--comment why]   judge an outcome; replaces earlier feedback',
  },
  trigger: {
    run: triggerCommand,
    help: 'trigger <collection> [--no-wait]             ask the guardian for an attempt and follow it',
  },
  follow: {
    run: followCommand,
    help: 'follow <action-id>                           a running attempt: its phases, its progress, its outcome',
  },
  pending: { run: pendingCommand, help: 'pending                                      attempts waiting for approval' },
  approve: {
    run: decideCommand('approve'),
    help: 'approve <action-id> [--comment why]          let a waiting attempt proceed',
  },
  reject: {
    run: decideCommand('reject'),
    help: 'reject <action-id> [--comment why]           refuse a waiting attempt',
  },
  abort: {
    run: decideCommand('abort'),
    help: 'abort <action-id> [--comment why]            stop an attempt; what it did is compensated',
  },
  execute: {
    run: executeCommand,
    help: 'execute <collection> <strategy> [--dry-run] [--param k=v]   run a strategy by hand',
  },
  rollback: {
    run: rollbackCommand,
    help: 'rollback <collection>                        undo the last reversible change',
  },
  configure: {
    run: configureCommand,
    help:
      'configure <file|json> [--collection c]       change HealingConfig, applied live\n' +
      '  configure --show [--collection c]            the configuration in effect, and where each value comes from',
  },
  pause: { run: pauseResumeCommand('pause'), help: 'pause <collection> [--comment why]           stop auto-healing' },
  resume: {
    run: pauseResumeCommand('resume'),
    help: 'resume <collection>                          restart auto-healing (clears "needs a person")',
  },
  migrate: {
    run: migrateCommand,
    help: "migrate [--check]                            apply the store's migrations (the worker does at start)",
  },
  weights: {
    run: weightsCommand,
    help: 'weights [--class C] [--update-now]            learned strategy weights; recompute them now',
  },
  drill: { run: drillCommand, help: 'drill IndexFragmentation <collection> [--force]   inject the fault for real' },
  audit: {
    run: auditCommand,
    help:
      'audit [--since 24h] [--action id]              the signed audit trail\n' +
      '  audit verify [--head seq:hmac]               check every signature and link; exit 1 when broken',
  },
  retention: {
    run: retentionCommand,
    help: 'retention [--dry-run]                        delete history past history_retention_days (or count it)',
  },
};

/** Every command but `worker`, which reads its environment rather than flags. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3, notHealed: 4, refused: 5 } as const;

const HELP = [
  'usage: selfheal <command> [options] [--json]',
  '',
  ...Object.values(COMMANDS).map((c) => `  ${c.help}`),
  '  worker                                       run the production worker (environment: see README, Production)',
  '',
  'exit codes: 0 ok, 1 failure, 2 bad usage or input, 3 not found, 4 deferred or not healed, 5 refused',
  'connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DATABASE_URL, else the system `npm start` runs',
].join('\n');

export async function runCli(
  argv: string[],
  io: { out: (l: string) => void; err: (l: string) => void },
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(HELP);
    return name ? EXIT.ok : EXIT.usage;
  }
  // The worker runs until stopped and reads its whole environment itself.
  if (name === 'worker') return workerCommand(rest, io);
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`selfheal: unknown command "${name}"\n\n${HELP}`);
    return EXIT.usage;
  }
  let sys: SystemHandles | undefined;
  let json = false;
  try {
    const args = parseArgs(
      rest,
      new Set([
        'json',
        'no-wait',
        'show',
        'force',
        'dry-run',
        'database',
        'all',
        'check',
        'update-now',
        'patterns',
        'trends',
        'stats',
      ]),
    );
    json = args.flags.json === true;
    sys = connectSystem(systemSettings());
    const result = await cmd.run(args, sys, json ? () => undefined : io.out, rest);
    if (json) io.out(JSON.stringify(result.data, null, 2));
    return result.exitCode;
  } catch (err) {
    const { message, code } = describeError(err);
    if (json) io.out(JSON.stringify({ error: message }));
    io.err(`selfheal ${name}: ${message}`);
    return code;
  } finally {
    await sys?.close();
  }
}

export function describeError(err: unknown): { message: string; code: number } {
  if (err instanceof UsageError) return { message: err.message, code: EXIT.usage };
  if (err instanceof ZodError)
    return {
      message: err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '),
      code: EXIT.usage,
    };
  if (err instanceof UnknownCollectionError || err instanceof UnwatchedCollectionError || err instanceof NotFoundError)
    return { message: err.message, code: EXIT.notFound };
  if (err instanceof RefusedError) return { message: err.message, code: EXIT.refused };
  // PostgreSQL's own words (a SQLSTATE, a refused connection) become what to do about them.
  const db = adviseDatabaseError(err);
  if (db) return db;
  // Temporal errors carry the reason in their cause chain (an update's failure, an activity's error).
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = (e as { cause?: unknown }).cause)
    parts.push(e.message);
  return { message: parts.length ? parts.join(': ') : String(err), code: EXIT.failure };
}

if (require.main === module) {
  runCli(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(EXIT.failure);
    },
  );
}
