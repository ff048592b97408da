// The statements wrapped around a caller's statement: what the session defaults spare a call, and what still
// gets a SET of its own.
import { preambleStatements, sessionDefaults } from './session-sql';

describe('session defaults and the transaction preamble', () => {
  it('sends only BEGIN READ ONLY for a call with the usual deadline and tenant', () => {
    expect(
      preambleStatements({ timeoutMs: 30_000, tenantId: 'acme', sessionTimeoutMs: 30_000, sessionTenantId: 'acme' }),
    ).toEqual(['BEGIN TRANSACTION READ ONLY']);
  });

  it('sets another tenant, or none, for the transaction only', () => {
    const usual = { timeoutMs: 30_000, sessionTimeoutMs: 30_000, sessionTenantId: 'acme' };
    expect(preambleStatements({ ...usual, tenantId: 'globex' })).toEqual([
      'BEGIN TRANSACTION READ ONLY',
      "SET LOCAL app.tenant_id = 'globex'",
    ]);
    expect(preambleStatements({ ...usual, tenantId: undefined })).toEqual([
      'BEGIN TRANSACTION READ ONLY',
      "SET LOCAL app.tenant_id = ''",
    ]);
  });

  it('puts the timeouts, read-only mode and tenant in the startup options, and refuses a tenant it cannot quote', () => {
    expect(sessionDefaults(30_000, 'acme')).toBe(
      '-c statement_timeout=30000 -c lock_timeout=1000 -c idle_in_transaction_session_timeout=35000 -c TimeZone=UTC ' +
        '-c default_transaction_read_only=on -c app.tenant_id=acme',
    );
    expect(() => sessionDefaults(30_000, 'acme -c role=postgres')).toThrow(/tenant id/);
  });
});
