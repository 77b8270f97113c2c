import { execFile, spawnSync } from 'node:child_process';

function psqlBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
  if (!found)
    throw new Error('psql is not installed: the SQL interface tests call it (apt-get install postgresql-client)');
  return found;
}

export interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** psql as a person runs it, without their ~/.psqlrc: stops at the first error, unaligned, tuples only. */
export function psql(url: string, args: string[]): Promise<PsqlResult> {
  return new Promise((resolve) => {
    execFile(
      psqlBinary(),
      ['--no-psqlrc', '--quiet', '--no-align', '--tuples-only', '-v', 'ON_ERROR_STOP=1', '-d', url, ...args],
      { encoding: 'utf8', env: { ...process.env, PGOPTIONS: '-c timezone=UTC' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
      },
    );
  });
}

/** One statement's answer as JSON: the statement is wrapped so psql prints a single line. */
export async function psqlJson<T>(url: string, select: string): Promise<T> {
  const r = await psql(url, ['-c', `SELECT coalesce(json_agg(t), '[]'::json) FROM (${select}) t`]);
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
