import { counted } from '../../src/domain/counted';
import { describeRetentionCounts, noRetentionRows } from '../../src/domain/retention-counts';

describe('counts in what the CLI prints', () => {
  it('take the singular for one and the plural otherwise', () => {
    expect([0, 1, 2].map((n) => counted(n, 'attempt'))).toEqual(['0 attempts', '1 attempt', '2 attempts']);
    expect(counted(1, 'recovery', 'recoveries')).toBe('1 recovery');
    expect(counted(3, 'recovery', 'recoveries')).toBe('3 recoveries');
    expect(describeRetentionCounts({ ...noRetentionRows(), attempts: 1, outcomes: 2, commands: 1 })).toBe(
      '1 attempt, 2 outcomes, 1 relayed SQL command',
    );
  });
});
