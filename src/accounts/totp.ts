/**
 * TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s), accepting one step
 * of clock drift either way. A code is good once: the caller records the
 * time step it matched and refuses that step and earlier ones afterwards.
 */
import { Secret, TOTP } from 'otpauth';

function totpFor(base32Secret: string, label?: string): TOTP {
  return new TOTP({
    issuer: 'Sésame',
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(base32Secret),
    ...(label === undefined ? {} : { label }),
  });
}

export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The Key URI that authenticator apps read (from a QR code or pasted): `otpauth://totp/Sésame:<account>?…`. */
export function totpKeyUri(base32Secret: string, accountName: string): string {
  return totpFor(base32Secret, accountName).toString();
}

export function currentTotpCode(base32Secret: string, timestamp: number): string {
  return totpFor(base32Secret).generate({ timestamp });
}

const PERIOD_MS = 30_000;

/** The time step the code belongs to, or null when it matches none within the drift window. */
export function matchTotpStep(base32Secret: string, code: string, timestamp: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(base32Secret).validate({ token: code, timestamp, window: 1 });
  return delta === null ? null : Math.floor(timestamp / PERIOD_MS) + delta;
}
