import { z } from 'zod';
import { healingConfigSchema, type HealingConfig } from './healing-config';

/**
 * What ruvector_healing_configure takes: HealingConfig fields, or the spellings of the SQL interface
 * (min_healing_interval_seconds, max_attempts_per_hour). Partial: given keys replace stored ones.
 */
const SQL_ALIASES: Record<string, (v: unknown) => Record<string, unknown>> = {
  min_healing_interval_seconds: (v) => ({ min_healing_interval: v }),
  max_attempts_per_hour: (v) => ({ max_attempts_per_window: v, attempt_window: 3600 }),
};

export function normalizeConfigureRequest(input: unknown): Record<string, unknown> {
  const obj = z.record(z.unknown(), { invalid_type_error: 'configuration is a JSON object' }).parse(input);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) Object.assign(out, SQL_ALIASES[k] ? SQL_ALIASES[k]!(v) : { [k]: v });
  // Validate as a partial: bounds and unknown keys are refused now, with the field named.
  healingConfigSchema.innerType().partial().strict().parse(out);
  return out;
}

/** Stored partial config merged over what is stored already, checked whole. */
export function mergeConfig(stored: Record<string, unknown>, change: Record<string, unknown>): HealingConfig {
  return healingConfigSchema.parse({ ...stored, ...change });
}
