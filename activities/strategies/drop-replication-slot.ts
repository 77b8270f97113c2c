import { readReplicationSlots } from '../../src/probes/replication-slots';
import { retainingSlots } from '../../src/sensor/parts/replication-slots';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { dropReplicationSlotSpec } from '../../src/domain/strategies/specs/drop-replication-slot';
import { sandboxResult } from './sandbox-checks';

/**
 * drop_replication_slot: drops the inactive slots that retain WAL past the warning size. Irreversible
 * (a standby or consumer that needed the slot must be rebuilt), so it needs approval by default;
 * an active slot is never dropped.
 */
export const dropReplicationSlot = defineStrategy(dropReplicationSlotSpec, {
  async sharedTarget() {
    return 'replication_slots';
  },

  async sandbox(ctx) {
    const started = Date.now();
    const slots = retainingSlots(await readReplicationSlots(ctx.db), ctx.config);
    const { rows } = await ctx.db.query<{ ok: boolean }>(
      'SELECT rolsuper OR rolreplication AS ok FROM pg_roles WHERE rolname = current_user',
    );
    return sandboxResult(
      'prerequisites',
      [
        {
          name: 'can_drop_slots',
          passed: rows[0]?.ok === true,
          detail: rows[0]?.ok
            ? 'superuser or REPLICATION'
            : 'dropping slots needs superuser or the REPLICATION attribute',
        },
        {
          name: 'slots_to_drop',
          passed: slots.length > 0,
          detail: slots.length ? slots.map((s) => s.slot_name).join(', ') : 'no inactive slot retains too much WAL',
        },
      ],
      started,
    );
  },

  async plan(ctx) {
    const slots = retainingSlots(await readReplicationSlots(ctx.db), ctx.config);
    return { params: { slots: slots.map((s) => s.slot_name) }, snapshot: null, before: { slots } };
  },

  async execute(ctx, plan) {
    const dropped: string[] = [];
    for (const [i, name] of plan.params.slots.entries()) {
      ctx.heartbeat({ step: 'drop slot', target: name, item: i + 1, items: plan.params.slots.length });
      // Only while still inactive: a consumer that came back keeps its slot.
      const { rows } = await ctx.db.query<{ d: boolean }>(
        'SELECT pg_drop_replication_slot(slot_name) IS NULL AS d FROM pg_replication_slots ' +
          'WHERE slot_name = $1 AND NOT active',
        [name],
      );
      if (rows.length) dropped.push(name);
    }
    return {
      success: dropped.length > 0,
      actions_taken: dropped.length,
      improvement: 0,
      ...(dropped.length ? {} : { error: 'no slot was dropped (gone or active again)' }),
      metadata: { dropped },
    };
  },

  async verify(ctx) {
    const left = retainingSlots(await readReplicationSlots(ctx.db), ctx.config);
    return {
      verified: left.length === 0,
      after: { retaining: left },
      detail: left.length
        ? `still retaining: ${left.map((s) => s.slot_name).join(', ')}`
        : 'no slot retains WAL past the warning size',
    };
  },
});
