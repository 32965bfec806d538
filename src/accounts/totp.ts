/**
 * TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s), accepting one step
 * of clock drift either way.
 */
import { Secret, TOTP } from 'otpauth';

function totpFor(base32Secret: string): TOTP {
  return new TOTP({ issuer: 'Sésame', algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(base32Secret) });
}

export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function currentTotpCode(base32Secret: string, timestamp: number): string {
  return totpFor(base32Secret).generate({ timestamp });
}

export function verifyTotpCode(base32Secret: string, code: string, timestamp: number): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  return totpFor(base32Secret).validate({ token: code, timestamp, window: 1 }) !== null;
}
