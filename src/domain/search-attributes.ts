import { defineSearchAttributeKey } from '@temporalio/common';

/** Search attributes of healing attempts: operators list attempts by these in the Temporal UI. */
export const COLLECTION_SA = defineSearchAttributeKey('SelfhealCollection', 'KEYWORD');
export const PHASE_SA = defineSearchAttributeKey('HealingPhase', 'KEYWORD');
export const PROBLEM_CLASS_SA = defineSearchAttributeKey('ProblemClass', 'KEYWORD');
export const STRATEGY_SA = defineSearchAttributeKey('HealingStrategy', 'KEYWORD');

/** What the dev server must register (`--search-attribute NAME=Keyword`). */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword'> = {
  [COLLECTION_SA.name]: 'Keyword',
  [PHASE_SA.name]: 'Keyword',
  [PROBLEM_CLASS_SA.name]: 'Keyword',
  [STRATEGY_SA.name]: 'Keyword',
};
