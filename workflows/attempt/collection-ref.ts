import type { PreparedLedger } from './attempt-ledger';

/** The collection as prepare resolved it, for an activity's input: later steps need not look it up again. */
export function refOf(l: PreparedLedger): { collection_ref?: NonNullable<PreparedLedger['prepared']['collection']> } {
  return l.prepared.collection ? { collection_ref: l.prepared.collection } : {};
}
