import { personNeeded } from '../guardian/person-needed';

/**
 * Whether an attempt's ending leaves the fault to a person: nothing automatic will do better on the
 * next try. The same judgement as the notices a person is sent (src/guardian/person-needed.ts: a
 * superuser session, a missing right, an Unknown class…), so an alert and a notice never disagree;
 * plus an approval that timed out, whose strategy still waits for a decision. Endings a retry or
 * time resolves (a cooldown, a leased target) and a person's own decisions (a rejection, a dry run,
 * healing switched off) are not.
 */
export function leftToPerson(status: string, reason: string | null): boolean {
  if (personNeeded({ status, reason }) !== null) return true;
  return status === 'Deferred' && /^approval timed out\b/.test(reason ?? '');
}
