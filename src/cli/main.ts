import { ZodError } from 'zod';
import { UnknownCollectionError } from '../postgres/collections';
import { parseArgs, UsageError } from './args';
import type { CommandResult } from './command';
import { drillCommand } from './commands/drill';
import { historyCommand } from './commands/history';
import { statusCommand } from './commands/status';
import { triggerCommand } from './commands/trigger';
import { connectSystem, systemSettings, type SystemHandles } from './system-connection';

type Command = (args: ReturnType<typeof parseArgs>, sys: SystemHandles, out: (l: string) => void) => Promise<CommandResult>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  trigger: { run: triggerCommand, help: 'trigger <collection> [--no-wait]   start a healing attempt and follow it' },
  status: { run: statusCommand, help: 'status [collection]                integrity, attempts and cooldown per collection' },
  history: { run: historyCommand, help: 'history [--since 24h] [--limit 20] past attempts and their outcomes' },
  drill: { run: drillCommand, help: 'drill IndexFragmentation <collection> [--force]   inject the fault for real' },
};

export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3, notHealed: 4 } as const;

const HELP = [
  'usage: selfheal <command> [options] [--json]',
  '',
  ...Object.values(COMMANDS).map((c) => `  ${c.help}`),
  '',
  'exit codes: 0 ok, 1 failure, 2 bad usage or input, 3 unknown collection, 4 attempt finished without healing',
  'connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DATABASE_URL, else the system `npm start` runs',
].join('\n');

export async function runCli(argv: string[], io: { out: (l: string) => void; err: (l: string) => void }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(HELP);
    return name ? EXIT.ok : EXIT.usage;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`selfheal: unknown command "${name}"\n\n${HELP}`);
    return EXIT.usage;
  }
  let sys: SystemHandles | undefined;
  let json = false;
  try {
    const args = parseArgs(rest, new Set(['json', 'no-wait', 'force']));
    json = args.flags.json === true;
    sys = connectSystem(systemSettings());
    const result = await cmd.run(args, sys, json ? () => undefined : io.out);
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

function describeError(err: unknown): { message: string; code: number } {
  if (err instanceof UsageError) return { message: err.message, code: EXIT.usage };
  if (err instanceof ZodError) return { message: err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '), code: EXIT.usage };
  if (err instanceof UnknownCollectionError) return { message: err.message, code: EXIT.notFound };
  return { message: err instanceof Error ? err.message : String(err), code: EXIT.failure };
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
