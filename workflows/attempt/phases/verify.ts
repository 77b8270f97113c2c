import { patched } from '@temporalio/workflow';
import { quickOptions } from '../../activity-options';
import { actionConfigOf } from '../../../src/domain/healing-config';
import type { RemediationResult } from '../../../src/domain/remediation-result';
import type { IntegritySample } from '../../../src/sensor/integrity-sample';
import type { StrategyPlan } from '../../../src/strategies/strategy';
import { acts } from '../attempt-activities';
import { refOf } from '../collection-ref';
import { enter, flushAttributes, type Chosen, type PreparedLedger, type Verification } from '../attempt-ledger';
import { NEVER_WORSE_PATCH } from '../attempt-patches';
import { fmt } from '../describe-failure';

/**
 * Measures again: λ and the strategy's own measure. Verified when the run succeeded, λ did not
 * fall, and λ rose by min_lambda_improvement or the strategy's measure passed.
 */
export async function verify(
  l: PreparedLedger,
  { strategy, step }: Chosen,
  before: IntegritySample,
  executed: { plan: StrategyPlan; result: RemediationResult; executed_at: string },
): Promise<Verification> {
  const { config } = l;
  enter(
    l,
    'verify',
    `measuring λ again (needs ≥ ${config.min_lambda_improvement} × ${fmt(before.lambda)}) and ${strategy.name}` +
      `'s own measure`,
  );
  flushAttributes(l);
  const final = await acts.sampleIntegrity.executeWithOptions(
    { ...quickOptions, summary: 'verify: sample integrity again' },
    [
      {
        collection: l.input.collection,
        ...refOf(l),
        config: actionConfigOf(config),
        rates_after: executed.executed_at,
      },
    ],
  );
  l.status.final_lambda = final.lambda;
  const verdict = await acts.verifyStrategy.executeWithOptions(
    { ...quickOptions, summary: `verify: ${strategy.name}'s own measure` },
    [{ ...step, plan: executed.plan }],
  );
  const lambdaImproved = final.lambda > before.lambda && final.lambda >= config.min_lambda_improvement * before.lambda;
  // Never worse: whatever the strategy's own measure says, an attempt after which λ fell is not
  // verified, and is compensated like any other. (Attempts begun before this rule keep the old one.)
  const lambdaFell = final.lambda < before.lambda && patched(NEVER_WORSE_PATCH);
  const { result } = executed;
  const verified = result.success && !lambdaFell && (lambdaImproved || verdict.verified);
  const v: Verification = {
    final,
    verdict,
    verified,
    lambda_improved: lambdaImproved,
    lambda_fell: lambdaFell,
    not_verified_why: verified
      ? null
      : (result.error ??
        (lambdaFell
          ? `λ fell from ${fmt(before.lambda)} to ${fmt(final.lambda)} (${verdict.detail})`
          : verdict.detail)),
    improvement: before.lambda > 0 ? (final.lambda - before.lambda) / before.lambda : final.lambda > 0 ? 1 : 0,
  };
  l.verification = v;
  return v;
}
