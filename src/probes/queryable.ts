export type { Queryable } from '../postgres/queryable';
