/**
 * Why an attempt that did not act needs a person rather than a later retry. Backing off and
 * trying again fixes a lease held elsewhere or a fault that went away; it never fixes these.
 */
export type PersonNeededKind =
  'superuser_session' | 'missing_right' | 'configuration' | 'at_limit' | 'too_slow' | 'needs_review' | 'no_strategy';

export interface PersonNeeded {
  kind: PersonNeededKind;
  /** What a person must do about it, then the attempt's own reason. */
  reason: string;
}

const WHAT: Record<PersonNeededKind, string> = {
  superuser_session: 'a superuser session is involved, and selfheal never signals one: a person must end it',
  missing_right: "selfheal's role lacks a right the strategy needs: grant it (README, Least privilege)",
  configuration: 'the worker lacks configuration the strategy needs',
  at_limit: 'the strategy is at a limit only a person may raise',
  too_slow: 'the change would take longer than selfheal may run it: a person must schedule it',
  needs_review: 'selfheal cannot tell what the problem is: it needs review',
  no_strategy: 'no strategy may act here by itself',
};

/** Sandbox checks whose failure a retry cannot fix; `when` narrows it to the detail that says so. */
const CHECK_RULES: { checks: readonly string[]; kind: PersonNeededKind; when?: RegExp }[] = [
  { checks: ['roots_not_superuser', 'not_superuser'], kind: 'superuser_session' },
  {
    checks: ['can_signal_backends', 'can_alter_system', 'can_checkpoint', 'can_drop_slots'],
    kind: 'missing_right',
  },
  { checks: ['can_alter_table'], kind: 'missing_right', when: /needs the rights of/ },
  { checks: ['kube_credentials'], kind: 'configuration' },
  { checks: ['standbys_reachable'], kind: 'configuration', when: /SELFHEAL_STANDBY_URLS/ },
  { checks: ['below_max_replicas'], kind: 'at_limit', when: /already at max_replicas/ },
  { checks: ['complete_run'], kind: 'too_slow', when: /projected/ },
];

/** Words of a refused right, whichever check (or API) reported it. */
const REFUSED_RIGHT =
  /permission denied|must be (?:superuser|owner|a member)|\b40[13]\b|forbidden|unauthori[sz]ed|lacks a right/i;

/** `sandbox test failed: name: detail; name: detail`: a detail may hold "; " too, a name never a space. */
export function failedChecks(reason: string): { name: string; detail: string }[] {
  const m = /^sandbox test failed: (.*)$/s.exec(reason);
  if (!m) return [];
  return m[1]!.split(/; (?=[a-z][a-z0-9_]*: )/).map((part) => {
    const i = part.indexOf(': ');
    return i < 0 ? { name: part, detail: '' } : { name: part.slice(0, i), detail: part.slice(i + 2) };
  });
}

/** The kind of person-needed a failed check means, or null when a retry may pass it. */
function checkKind(c: { name: string; detail: string }): PersonNeededKind | null {
  for (const r of CHECK_RULES) if (r.checks.includes(c.name) && (!r.when || r.when.test(c.detail))) return r.kind;
  return REFUSED_RIGHT.test(c.detail) ? 'missing_right' : null;
}

/**
 * Whether an attempt that ended without acting (Deferred or NoStrategy, with the reason it
 * recorded) needs a person to remove the cause; null for causes that pass or that a person chose
 * (a rejection, a dry run, healing switched off, a lease another attempt holds, an approval
 * timeout, which its approval notice already asked about).
 */
export function personNeeded(end: { status: string; reason: string | null }): PersonNeeded | null {
  const reason = end.reason ?? '';
  const of = (kind: PersonNeededKind): PersonNeeded => ({
    kind,
    reason: reason ? `${WHAT[kind]}; ${reason}` : WHAT[kind],
  });
  if (end.status === 'NoStrategy') return of('no_strategy');
  if (end.status !== 'Deferred') return null;
  if (/Problem requires human review/.test(reason)) return of('needs_review');
  if (/: it needs a person$/.test(reason)) return of('no_strategy');
  const kinds = failedChecks(reason)
    .map(checkKind)
    .filter((k): k is PersonNeededKind => k !== null);
  return kinds.length ? of(kinds[0]!) : null;
}

/**
 * The same cause seen again (the backoff's next attempt, deferred likewise) is not news: a person is
 * told again only when the cause differs, or after the collection recovered or an attempt acted.
 */
export function personNeededSignature(problemClass: string | null, p: PersonNeeded): string {
  return `${problemClass ?? 'unclassified'}/${p.kind}`;
}
