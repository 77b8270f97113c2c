import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres';
import { holdUntilReleased, runHolder } from './hold-until-released';

/**
 * A PostgreSQL of its own for a test that changes the whole server (connection slots), held
 * outside jest so it stops with the test process however that ends. Its data is asked for in
 * `<dir>/data`; it says where it really is (a stand-in, when the server user cannot reach `dir`).
 */
runHolder('private PostgreSQL', async (dir, infoFile, [settingsJson]) => {
  const pg = await startEmbeddedPostgres({
    dataDir: join(dir, 'data'),
    persistent: false,
    settings: JSON.parse(settingsJson ?? '{}'),
  });
  holdUntilReleased(dir, infoFile, { url: pg.url, dataDir: pg.dataDir }, () => pg.stop());
});
