export { healingAttempt } from './healing-attempt';
export type { HealingAttemptInput } from './healing-attempt';
export { attemptStatusQuery } from './attempt-messages';
