import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres';

/**
 * A PostgreSQL of its own for a test that changes the whole server (connection slots): started
 * outside jest, whose VM cannot load the ESM embedded-postgres package. Runs until stdin closes.
 */
async function main(): Promise<void> {
  const [dir, infoFile, settingsJson] = process.argv.slice(2) as [string, string, string];
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), persistent: false, settings: JSON.parse(settingsJson) });
  const stop = async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.on('SIGTERM', () => void stop());
  writeFileSync(`${infoFile}.tmp`, JSON.stringify({ url: pg.url }));
  renameSync(`${infoFile}.tmp`, infoFile);
}

main().catch((err) => {
  console.error('private PostgreSQL failed:', err);
  process.exit(1);
});
