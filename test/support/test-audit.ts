import { UNSIGNED_AUDIT, type AuditedBy } from '../../src/postgres/audit-log';

/** Who the fixtures' changes are by in the audit trail: unsigned (a test database's trail is not verified). */
export const testAudit: AuditedBy = { signer: UNSIGNED_AUDIT, by: 'test' };
