import { quickOptions } from '../../activity-options';
import { actionConfigOf } from '../../../src/domain/healing-config';
import type { IntegritySample } from '../../../src/sensor/integrity-sample';
import { acts } from '../attempt-activities';
import { refOf } from '../collection-ref';
import { enter, flushAttributes, type PreparedLedger } from '../attempt-ledger';

/** Samples the collection's live statistics: λ, its baseline and the witness edges. */
export async function sense(l: PreparedLedger): Promise<IntegritySample> {
  enter(l, 'sense', 'sampling live statistics and computing λ');
  flushAttributes(l);
  const initial = await acts.sampleIntegrity.executeWithOptions(
    { ...quickOptions, summary: 'sense: sample integrity (λ, witness edges)' },
    [{ collection: l.input.collection, ...refOf(l), config: actionConfigOf(l.config) }],
  );
  l.initial = initial;
  l.status.initial_lambda = initial.lambda;
  return initial;
}
