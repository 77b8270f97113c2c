import { z } from 'zod';
import { wholeNumberParam } from '../param-spec';
import { strategySpec } from '../strategy-spec';

export const capSlotWalSpec = strategySpec({
  name: 'cap_slot_wal',
  handles: ['SlotRetention'],
  impact: 0.3,
  estimated_duration_seconds: 30,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  shared_target: 'server',
  description:
    'ALTER SYSTEM SET max_slot_wal_keep_size (slot_wal_keep_size_mb) + reload + CHECKPOINT: a slot past the cap is ' +
    'invalidated and its WAL recycled; the setting is restored on rollback',
  params: {
    max_slot_wal_keep_size_mb: wholeNumberParam(
      'the max_slot_wal_keep_size to set, in MB, instead of slot_wal_keep_size_mb',
      1,
      2_147_483_647,
    ),
  },
  snapshot: z.object({
    /** The value ALTER SYSTEM had set, or null when the setting came from elsewhere (then RESET). */
    previous: z.string().nullable(),
  }),
});
