// The bound of the per-process memory of verified credentials
// (auth/verified-credentials.ts): past its capacity, the entry verified
// longest ago goes; remembering an entry again makes it the newest.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VerifiedCredentials, type VerifiedCredential } from '../../src/auth/verified-credentials.js';

function entry(id: string): VerifiedCredential {
  return {
    version: 1,
    expiresAt: Number.MAX_SAFE_INTEGER,
    username: 'alice',
    usernameKey: 'alice',
    principal: { via: 'app-password', userId: 'u', username: 'alice', role: 'user', appPasswordId: id },
    application: 'webdav',
    lastUsedAt: null,
  };
}

describe('verified credentials memory', () => {
  it('holds at most its capacity, dropping the entry verified longest ago first', () => {
    const memory = new VerifiedCredentials(2);
    memory.remember('a', entry('a'));
    memory.remember('b', entry('b'));
    memory.remember('a', entry('a'));
    memory.remember('c', entry('c'));
    assert.equal(memory.size, 2);
    assert.equal(memory.find('b'), undefined);
    assert.equal(memory.find('a')?.principal.appPasswordId, 'a');
    assert.equal(memory.find('c')?.principal.appPasswordId, 'c');
  });

  it('replaces an entry remembered again under the same key, and forgets on demand', () => {
    const memory = new VerifiedCredentials(2);
    memory.remember('a', entry('a'));
    memory.remember('a', { ...entry('a'), version: 2 });
    assert.equal(memory.size, 1);
    assert.equal(memory.find('a')?.version, 2);
    memory.forget('a');
    assert.equal(memory.find('a'), undefined);
  });
});
