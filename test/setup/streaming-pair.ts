import { startStreamingPair } from '../../src/infra/pg15-streaming-pair';
import { holdUntilReleased, runHolder } from './hold-until-released';

/** A PostgreSQL 15 primary with a streaming standby, held outside jest so it stops with the test process. */
runHolder('PostgreSQL 15 streaming pair', async (dir, infoFile) => {
  const pair = await startStreamingPair();
  const info = {
    primaryUrl: pair.primaryUrl,
    standbyUrl: pair.standbyUrl,
    standbyName: pair.standbyName,
    startedInMs: pair.startedInMs,
  };
  holdUntilReleased(dir, infoFile, info, () => pair.stop());
});
