// Unit tests of checkAppPassword (src/app-passwords/verify.ts), the pure
// decision on a stored app password: every rejection reason, the
// first-use binding of an unassigned password, sets of applications, and
// the expiry boundary.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkAppPassword, onlyApplication, type StoredAppPassword } from '../../src/app-passwords/verify.js';

const NOW = Date.UTC(2026, 0, 15, 9, 30, 0);

function stored(overrides: Partial<StoredAppPassword> = {}): StoredAppPassword {
  return {
    usernameKey: 'alice',
    disabledAt: null,
    revokedAt: null,
    expiresAt: NOW + 86_400_000,
    application: 'webdav',
    ...overrides,
  };
}

describe('checkAppPassword', () => {
  it('accepts the assigned application without a new binding', () => {
    assert.deepEqual(checkAppPassword(stored(), { usernameKey: 'alice', applications: onlyApplication('webdav') }, NOW), {
      ok: true,
      bindTo: null,
    });
  });

  it('binds an unassigned password to the application that uses it', () => {
    assert.deepEqual(
      checkAppPassword(stored({ application: null }), { usernameKey: 'alice', applications: onlyApplication('sync') }, NOW),
      {
        ok: true,
        bindTo: 'sync',
      },
    );
  });

  it('accepts an unassigned password without binding it where the endpoint binds none', () => {
    const applications = { accepted: ['sync', 'outlook'], binding: null };
    assert.deepEqual(checkAppPassword(stored({ application: null }), { usernameKey: 'alice', applications }, NOW), {
      ok: true,
      bindTo: null,
    });
    assert.deepEqual(checkAppPassword(stored({ application: 'webdav' }), { usernameKey: 'alice', applications }, NOW), {
      ok: false,
      reason: 'wrong-application',
    });
  });

  it('accepts an unassigned password where any application is accepted, without binding it', () => {
    assert.deepEqual(checkAppPassword(stored({ application: null }), { usernameKey: 'alice', applications: null }, NOW), {
      ok: true,
      bindTo: null,
    });
  });

  it('accepts an assigned password where any application is accepted, without binding it', () => {
    assert.deepEqual(checkAppPassword(stored({ application: 'outlook' }), { usernameKey: 'alice', applications: null }, NOW), {
      ok: true,
      bindTo: null,
    });
  });

  it('refuses another application: wrong-application', () => {
    assert.deepEqual(
      checkAppPassword(stored({ application: 'webdav' }), { usernameKey: 'alice', applications: onlyApplication('sync') }, NOW),
      {
        ok: false,
        reason: 'wrong-application',
      },
    );
  });

  it('accepts a password assigned to any application of the set, without a new binding', () => {
    const shares = { accepted: ['outlook', 'sync'], binding: 'outlook' };
    for (const application of ['outlook', 'sync']) {
      assert.deepEqual(checkAppPassword(stored({ application }), { usernameKey: 'alice', applications: shares }, NOW), {
        ok: true,
        bindTo: null,
      });
    }
  });

  it('binds an unassigned password to the binding application of the set, whatever the order of the set', () => {
    const shares = { accepted: ['sync', 'outlook'], binding: 'outlook' };
    assert.deepEqual(checkAppPassword(stored({ application: null }), { usernameKey: 'alice', applications: shares }, NOW), {
      ok: true,
      bindTo: 'outlook',
    });
  });

  it('refuses an application outside the set: wrong-application', () => {
    const shares = { accepted: ['outlook', 'sync'], binding: 'outlook' };
    assert.deepEqual(checkAppPassword(stored({ application: 'webdav' }), { usernameKey: 'alice', applications: shares }, NOW), {
      ok: false,
      reason: 'wrong-application',
    });
  });

  it('refuses a password presented under another user name: wrong-user', () => {
    assert.deepEqual(checkAppPassword(stored(), { usernameKey: 'bob', applications: onlyApplication('webdav') }, NOW), {
      ok: false,
      reason: 'wrong-user',
    });
  });

  it('refuses a password of a disabled account: account-disabled', () => {
    assert.deepEqual(
      checkAppPassword(stored({ disabledAt: NOW - 1 }), { usernameKey: 'alice', applications: onlyApplication('webdav') }, NOW),
      {
        ok: false,
        reason: 'account-disabled',
      },
    );
  });

  it('refuses a revoked password: revoked', () => {
    assert.deepEqual(
      checkAppPassword(stored({ revokedAt: NOW - 1 }), { usernameKey: 'alice', applications: onlyApplication('webdav') }, NOW),
      {
        ok: false,
        reason: 'revoked',
      },
    );
  });

  it('refuses a revoked password even where any application is accepted', () => {
    assert.deepEqual(checkAppPassword(stored({ revokedAt: NOW - 1 }), { usernameKey: 'alice', applications: null }, NOW), {
      ok: false,
      reason: 'revoked',
    });
  });

  it('refuses a password at its expiry instant: expired', () => {
    assert.deepEqual(
      checkAppPassword(stored({ expiresAt: NOW }), { usernameKey: 'alice', applications: onlyApplication('webdav') }, NOW),
      {
        ok: false,
        reason: 'expired',
      },
    );
  });

  it('accepts a password one millisecond before its expiry', () => {
    assert.deepEqual(
      checkAppPassword(stored({ expiresAt: NOW + 1 }), { usernameKey: 'alice', applications: onlyApplication('webdav') }, NOW),
      {
        ok: true,
        bindTo: null,
      },
    );
  });

  it('never binds an unassigned password that is refused for another reason', () => {
    for (const row of [
      stored({ application: null, revokedAt: NOW - 1 }),
      stored({ application: null, expiresAt: NOW - 1 }),
      stored({ application: null, disabledAt: NOW - 1 }),
    ]) {
      const decision = checkAppPassword(row, { usernameKey: 'alice', applications: onlyApplication('webdav') }, NOW);
      assert.equal(decision.ok, false);
    }
    assert.equal(
      checkAppPassword(stored({ application: null }), { usernameKey: 'bob', applications: onlyApplication('webdav') }, NOW).ok,
      false,
    );
  });
});
