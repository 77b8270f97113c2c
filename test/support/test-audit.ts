import { auditSigner, type AuditedBy } from '../../src/postgres/audit-log';

/**
 * Who the fixtures' changes are by in the audit trail, signed with the key the test's worker has
 * (SELFHEAL_AUDIT_KEY when the fixture runs): a test that verifies its trail finds it whole.
 */
export const testAudit: AuditedBy = {
  get signer() {
    return auditSigner(process.env.SELFHEAL_AUDIT_KEY);
  },
  by: 'test',
};
