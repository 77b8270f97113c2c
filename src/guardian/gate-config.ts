import type { HealingConfig } from '../domain/healing-config';

/** The part of a collection's configuration its guardian decides with; the rest is the attempt's. */
export const GATE_CONFIG_KEYS = [
  'enabled',
  'check_interval',
  'min_healing_interval',
  'max_attempts_per_window',
  'attempt_window',
  'ineffective_after',
  'stress_ratio',
  'critical_ratio',
  'min_lambda_improvement',
] as const;
export type GateConfig = Pick<HealingConfig, (typeof GATE_CONFIG_KEYS)[number]>;

export function gateConfigOf(c: GateConfig): GateConfig {
  return Object.fromEntries(GATE_CONFIG_KEYS.map((k) => [k, c[k]])) as unknown as GateConfig;
}

export function sameGateConfig(a: GateConfig, b: GateConfig): boolean {
  return GATE_CONFIG_KEYS.every((k) => a[k] === b[k]);
}
