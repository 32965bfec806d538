// Unit tests of the client description kept in recent connections and the
// audit log (src/connections/connections.ts): no C0 or C1 control
// character survives, and the length is bounded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_MAX_LENGTH, describeClient } from '../../src/connections/connections.js';

describe('describeClient', () => {
  it('replaces C0 controls, DEL and C1 controls (U+0080–U+009F) with spaces', () => {
    assert.equal(describeClient('a\u0000b\u001bc\u007fd\u0085e\u009bf'), 'a b c d e f');
  });

  it('keeps other text, accents included', () => {
    assert.equal(describeClient('Mozilla/5.0 (Sésame)'), 'Mozilla/5.0 (Sésame)');
  });

  it(`keeps at most ${CLIENT_MAX_LENGTH} characters`, () => {
    assert.equal(describeClient('x'.repeat(500)).length, CLIENT_MAX_LENGTH);
  });
});
