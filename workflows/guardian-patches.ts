/**
 * The database guardian's versions (patched()): guardians begun before a change replay along the old
 * path. Names are forever: a recorded history refers to them.
 */
export const VERIFIED_READING_PATCH = 'verified-reading';
/** A cooldown or backoff that ends wakes the guardian and samples the collection then, not an interval later. */
export const RELEASE_WAKE_PATCH = 'release-wake';
/** A person's rejection holds automatic attempts off for attempt_window instead of the short deferral backoff. */
export const REJECTION_HOLD_PATCH = 'rejection-hold';
/** A person's dry run starts whatever the cooldown or the attempt window says: it changes nothing. */
export const DRY_RUN_UNGATED_PATCH = 'dry-run-ungated';
