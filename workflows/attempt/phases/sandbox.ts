import { quickOptions } from '../../activity-options';
import type { SandboxResult } from '../../../src/strategies/strategy';
import { acts } from '../attempt-activities';
import { enter, flushAttributes, type Chosen, type PreparedLedger } from '../attempt-ledger';

/** The cheapest real check that the strategy can succeed here, at the strongest level it has. */
export async function sandbox(
  l: PreparedLedger,
  { strategy, step }: Chosen,
): Promise<{ result: SandboxResult; failed_checks: string }> {
  enter(l, 'sandbox', `testing ${strategy.name} (${strategy.sandbox_levels.join(', ')})`);
  flushAttributes(l);
  const result = await acts.sandboxTest.executeWithOptions(
    { ...quickOptions, summary: `sandbox: test ${strategy.name}` },
    [step],
  );
  l.sandbox = result;
  return {
    result,
    failed_checks: result.checks
      .filter((c) => !c.passed)
      .map((c) => `${c.name}: ${c.detail}`)
      .join('; '),
  };
}
