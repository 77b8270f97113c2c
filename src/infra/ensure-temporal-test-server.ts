import { ensureTemporalTestServer } from './temporal-test-server';

/** Setup step of `npm test`: the time-skipping test server the workflow tests run on, fetched once. */
try {
  const exe = ensureTemporalTestServer();
  if (process.env.SELFHEAL_VERBOSE) console.error(`temporal test server: ${exe}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
