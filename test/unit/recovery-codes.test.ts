/**
 * Recovery codes as pure functions: their shape and randomness, and the
 * forgiving normalisation that decides what is hashed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  RECOVERY_CODE_COUNT,
  compactRecoveryCode,
  generateRecoveryCodes,
  normaliseRecoveryCode,
} from '../../src/accounts/recovery-codes.js';

describe('recovery codes', () => {
  it('generates ten distinct codes of two groups of five base32 characters', () => {
    const codes = generateRecoveryCodes();
    assert.equal(codes.length, RECOVERY_CODE_COUNT);
    assert.equal(new Set(codes).size, RECOVERY_CODE_COUNT);
    for (const code of codes) assert.match(code, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
  });

  it('hashes a generated code and the same code typed loosely in the same form', () => {
    const [code] = generateRecoveryCodes();
    const typed = `  ${code!.toUpperCase().replace('-', ' ')} `;
    assert.equal(normaliseRecoveryCode(typed), compactRecoveryCode(code!));
    assert.equal(normaliseRecoveryCode(code!), compactRecoveryCode(code!));
  });

  it('refuses what cannot be a recovery code', () => {
    for (const input of ['', '123456', 'abcde-fghi', 'abcde-fghij-k', 'abcde-fgh1j', 'abcde_fghij']) {
      assert.equal(normaliseRecoveryCode(input), null, input);
    }
  });
});
