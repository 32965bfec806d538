// Unit tests of app-password expiry: the policy
// lifetime or a shorter whole number of days, kept to the second, and the
// date format of the help page (`2025-09-06T11:40:22+00:00`).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeExpiry, formatInstant } from '../../src/app-passwords/expiry.js';
import { isSesameError } from '../../src/errors.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 8, 6, 11, 40, 22); // a whole second
const SEED_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

function outOfRange(fn: () => unknown): void {
  assert.throws(fn, (error) => isSesameError(error, 'EXPIRY_OUT_OF_RANGE'));
}

describe('computeExpiry', () => {
  it('uses the policy lifetime when none is requested', () => {
    assert.equal(computeExpiry(NOW, 365), NOW + 365 * DAY);
  });

  it('uses a shorter requested lifetime', () => {
    assert.equal(computeExpiry(NOW, 365, 30), NOW + 30 * DAY);
  });

  it('accepts the bounds: one day, and exactly the policy lifetime', () => {
    assert.equal(computeExpiry(NOW, 365, 1), NOW + DAY);
    assert.equal(computeExpiry(NOW, 365, 365), NOW + 365 * DAY);
    assert.equal(computeExpiry(NOW, 3650, 3650), NOW + 3650 * DAY);
  });

  it('refuses zero days with EXPIRY_OUT_OF_RANGE', () => {
    outOfRange(() => computeExpiry(NOW, 365, 0));
  });

  it('refuses a negative lifetime with EXPIRY_OUT_OF_RANGE', () => {
    outOfRange(() => computeExpiry(NOW, 365, -1));
  });

  it('refuses a lifetime longer than the policy with EXPIRY_OUT_OF_RANGE', () => {
    outOfRange(() => computeExpiry(NOW, 365, 366));
    outOfRange(() => computeExpiry(NOW, 30, 31));
  });

  it('refuses a non-integer number of days with EXPIRY_OUT_OF_RANGE', () => {
    outOfRange(() => computeExpiry(NOW, 365, 1.5));
    outOfRange(() => computeExpiry(NOW, 365, Number.NaN));
    outOfRange(() => computeExpiry(NOW, 365, Number.POSITIVE_INFINITY));
  });

  it('names the allowed range in its message', () => {
    assert.throws(
      () => computeExpiry(NOW, 90, 91),
      (error) => isSesameError(error) && /90/.test(error.message),
    );
  });

  it('truncates the expiry to the whole second, never later than the lifetime', () => {
    const now = NOW + 999;
    const expiry = computeExpiry(now, 365, 7);
    assert.equal(expiry % 1000, 0);
    assert.equal(expiry, NOW + 7 * DAY);
    assert.ok(expiry <= now + 7 * DAY && expiry > now + 7 * DAY - 1000);
  });
});

describe('formatInstant', () => {
  it('writes the help page example exactly', () => {
    assert.equal(formatInstant(Date.UTC(2025, 8, 6, 11, 40, 22)), '2025-09-06T11:40:22+00:00');
  });

  it('has the seed form: seconds, no fraction, +00:00 offset rather than Z', () => {
    for (const instant of [0, NOW, NOW + 123, Date.UTC(2099, 11, 31, 23, 59, 59, 999), computeExpiry(NOW + 456, 365)]) {
      assert.match(formatInstant(instant), SEED_FORM);
    }
  });

  it('drops milliseconds rather than rounding up', () => {
    assert.equal(formatInstant(Date.UTC(2025, 8, 6, 11, 40, 22, 999)), '2025-09-06T11:40:22+00:00');
  });

  it('parses back to the same instant for a computed expiry', () => {
    const expiry = computeExpiry(NOW + 777, 365, 42);
    assert.equal(Date.parse(formatInstant(expiry)), expiry);
  });
});
