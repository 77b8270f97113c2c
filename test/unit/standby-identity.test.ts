import { standbyNameOnPrimary, type StandbySelf } from '../../src/probes/standby-identity';
import type { StandbyStats } from '../../src/probes/standbys';

const self = (s: Partial<StandbySelf>): StandbySelf => ({
  in_recovery: true,
  pause_state: 'paused',
  cluster_name: '',
  slot_name: null,
  conninfo: null,
  ...s,
});
const row = (application_name: string, slot_name: string | null): StandbyStats => ({
  pid: 1,
  application_name,
  slot_name,
  state: 'streaming',
  replay_gap_bytes: 0,
  replay_lag_seconds: null,
});

describe('the name a primary shows for a standby', () => {
  it("follows the slot first: the walsender holding the standby's slot names it, whatever the standby calls itself", () => {
    const view = [row('reporting', 'slot_a'), row('analytics', 'slot_b')];
    expect(
      standbyNameOnPrimary(
        self({ slot_name: 'slot_b', cluster_name: 'reporting', conninfo: 'user=x application_name=reporting' }),
        view,
      ),
    ).toBe('analytics');
  });

  it("without a slot (or one the primary does not show): the conninfo's application_name, else cluster_name, else walreceiver", () => {
    const view = [row('x', null)];
    expect(
      standbyNameOnPrimary(
        self({ slot_name: 'gone', conninfo: 'user=postgres password=******** application_name=replica_1 host=p' }),
        view,
      ),
    ).toBe('replica_1');
    expect(standbyNameOnPrimary(self({ conninfo: "application_name='my replica' host=p" }), view)).toBe('my replica');
    expect(standbyNameOnPrimary(self({ conninfo: 'user=postgres host=p', cluster_name: 'east' }), view)).toBe('east');
    expect(standbyNameOnPrimary(self({ conninfo: 'user=postgres host=p' }), view)).toBe('walreceiver');
  });
});
