import { z } from 'zod';
import { configErrorMap } from './config-messages';
import { healingConfigSchema, type HealingConfig } from './healing-config';

/**
 * What ruvector_healing_configure takes: HealingConfig fields, or the spellings of the SQL interface
 * (min_healing_interval_seconds, max_attempts_per_hour). Partial: given keys replace stored ones.
 */
const SQL_ALIASES: Record<string, (v: unknown) => Record<string, unknown>> = {
  min_healing_interval_seconds: (v) => ({ min_healing_interval: v }),
  max_attempts_per_hour: (v) => ({ max_attempts_per_window: v, attempt_window: 3600 }),
};

/** Every key configure takes, in either spelling: what an unknown key is told it could have been. */
export const CONFIGURE_KEYS: readonly string[] = [
  ...Object.keys(healingConfigSchema.innerType().shape),
  ...Object.keys(SQL_ALIASES),
].sort();

/** How a refused configuration is worded, here and in SQL (ruvector.check_config). */
export const configureErrorMap = configErrorMap(CONFIGURE_KEYS);

export function normalizeConfigureRequest(input: unknown): Record<string, unknown> {
  const obj = z.record(z.unknown(), { invalid_type_error: 'configuration is a JSON object' }).parse(input);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) Object.assign(out, SQL_ALIASES[k] ? SQL_ALIASES[k]!(v) : { [k]: v });
  // Validate as a partial: bounds and unknown keys are refused now, with the field named.
  healingConfigSchema.innerType().partial().strict().parse(out, { errorMap: configureErrorMap });
  return out;
}

/** Stored partial config merged over what is stored already, checked whole. */
export function mergeConfig(stored: Record<string, unknown>, change: Record<string, unknown>): HealingConfig {
  return healingConfigSchema.parse({ ...stored, ...change }, { errorMap: configureErrorMap });
}
