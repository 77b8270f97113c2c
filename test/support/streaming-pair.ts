import type { StreamingPair } from '../../src/infra/pg15-streaming-pair';
import { startHeldChild } from './held-child';

/** A PostgreSQL 15 primary and streaming standby (test/setup/streaming-pair.ts), gone with the test process. */
export async function startHeldStreamingPair(): Promise<StreamingPair> {
  const child = await startHeldChild<Omit<StreamingPair, 'stop'>>(
    'streaming-pair.ts',
    [],
    'PostgreSQL 15 streaming pair',
  );
  return { ...child.info, stop: child.stop };
}
