import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres';
import { holdUntilReleased, runHolder } from './hold-until-released';

/**
 * A PostgreSQL of its own for a test that changes the whole server (connection slots): started
 * outside jest, whose VM cannot load the ESM embedded-postgres package.
 */
runHolder('private PostgreSQL', async () => {
  const [dir, infoFile, settingsJson] = process.argv.slice(2) as [string, string, string];
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), persistent: false, settings: JSON.parse(settingsJson) });
  holdUntilReleased(dir, infoFile, { url: pg.url }, () => pg.stop());
});
