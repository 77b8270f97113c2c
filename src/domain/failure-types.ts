/**
 * Failure types that workflows act on, shared by the activities that raise them and the workflows
 * that read them (as plain strings, so workflow code stays free of I/O modules).
 */

/** The collection is unwatched or its table is gone: its guardian ends instead of sampling again. */
export const COLLECTION_GONE = 'CollectionGone';
