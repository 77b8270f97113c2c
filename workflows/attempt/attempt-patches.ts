/**
 * Workflow versions (patched()): attempts begun before a change replay along the old path. Names
 * are forever: a recorded history refers to them.
 */
export const NEVER_WORSE_PATCH = 'verify-never-worse';
export const APPROVE_ABOVE_IMPACT_CAP_PATCH = 'approve-above-impact-cap';
export const TEMPORARY_HOLD_PATCH = 'temporary-hold';
export const VALIDATE_PARAMS_PATCH = 'validate-strategy-params';
export const BATCH_SEARCH_ATTRIBUTES_PATCH = 'batch-search-attributes';
export const CONTEXTUAL_SELECTION_PATCH = 'contextual-selection';
/** A person is told (webhooks) when an attempt or the guardian needs one; used by both workflows. */
export const NOTIFY_PERSON_PATCH = 'notify-person';
