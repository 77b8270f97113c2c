import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { startStreamingPair } from '../../src/infra/pg15-streaming-pair';

/**
 * A PostgreSQL 15 primary with a streaming standby, held outside jest so that the servers stop
 * when the test process goes, however it goes. Runs until stdin closes.
 */
async function main(): Promise<void> {
  const [dir, infoFile] = process.argv.slice(2) as [string, string];
  const pair = await startStreamingPair();
  const stop = async () => {
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.on('SIGTERM', () => void stop());
  const info = { primaryUrl: pair.primaryUrl, standbyUrl: pair.standbyUrl, standbyName: pair.standbyName, startedInMs: pair.startedInMs };
  writeFileSync(`${infoFile}.tmp`, JSON.stringify(info));
  renameSync(`${infoFile}.tmp`, infoFile);
}

main().catch((err) => {
  console.error('PostgreSQL 15 streaming pair failed:', err);
  process.exit(1);
});
