/**
 * Whether an attempt's ending leaves the fault to a person: nothing automatic will do better on the
 * next try. The attempt records these endings as text (workflows/attempt/phases), so they are read
 * back by their fixed openings; endings a retry or time resolves (a cooldown, a leased target, a
 * failed sandbox) and a person's own decisions (a rejection, a dry run, healing switched off) are not.
 */
const LEFT_TO_A_PERSON: readonly RegExp[] = [
  // The class is Unknown: no strategy may act on it.
  /^Problem requires human review\b/,
  // Nobody decided in time: the strategy that waited is still the one that needs a decision.
  /^approval timed out\b/,
];

export function leftToPerson(status: string, reason: string | null): boolean {
  // NoStrategy: every strategy for the class is refused here (kind, impact, approval): it "needs a person".
  if (status === 'NoStrategy') return true;
  if (status !== 'Deferred' || reason === null) return false;
  return LEFT_TO_A_PERSON.some((r) => r.test(reason));
}
