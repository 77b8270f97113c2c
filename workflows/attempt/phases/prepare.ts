import { quickOptions } from '../../activity-options';
import { healingConfigSchema, storedHealingConfigSchema } from '../../../src/domain/healing-config';
import { COLLECTION_SA } from '../../../src/domain/search-attributes';
import { acts } from '../attempt-activities';
import { enter, flushAttributes, setAttribute, type AttemptLedger, type PreparedLedger } from '../attempt-ledger';

/** Opens the attempt's record (its action id) and loads the collection's configuration. */
export async function prepare(l: AttemptLedger): Promise<PreparedLedger> {
  const { input } = l;
  setAttribute(l, { key: COLLECTION_SA, value: input.collection });
  enter(l, 'prepare', `opening the attempt for collection \`${input.collection}\``);
  flushAttributes(l);
  const prepared = await acts.prepareAttempt.executeWithOptions(
    { ...quickOptions, summary: 'prepare: open the attempt record and load configuration' },
    [
      {
        collection: input.collection,
        trigger: input.trigger,
        ...(input.detected_at ? { detected_at: input.detected_at } : {}),
      },
    ],
  );
  l.status.attempt_id = prepared.attempt_id;
  // Stored configuration may carry keys from a newer selfheal: dropped; this attempt's overrides must be known.
  // Parsed once when the attempt has no overrides of its own (the usual case): the stored parse fills every default.
  const stored = storedHealingConfigSchema.parse(prepared.config);
  const config =
    input.config && Object.keys(input.config).length > 0
      ? healingConfigSchema.parse({ ...stored, ...input.config })
      : stored;
  return Object.assign(l, { prepared, config });
}
