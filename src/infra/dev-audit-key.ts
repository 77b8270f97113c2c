import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATA_DIR } from './stack';

/** The embedded dev stack's audit key, beside its data: its trail verifies across restarts; only its owner reads it. */
export const DEV_AUDIT_KEY_FILE = join(DATA_DIR, 'audit-key');

/** The dev stack's key, made on its first start (`npm start`); production takes SELFHEAL_AUDIT_KEY instead. */
export function devAuditKey(file = DEV_AUDIT_KEY_FILE): string {
  const found = readDevAuditKey(file);
  if (found) return found;
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

export function readDevAuditKey(file = DEV_AUDIT_KEY_FILE): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}
