export { healingAttempt } from './healing-attempt';
export type { HealingAttemptInput } from './healing-attempt';
export { collectionGuardian } from './collection-guardian';
export type { GuardianInput } from './collection-guardian';
export { rollbackAttempt } from './rollback-attempt';
export { sharedTargetLease } from './shared-target-lease';
export { databaseGuardian } from './database-guardian';
export { temporaryHold } from './temporary-hold';
