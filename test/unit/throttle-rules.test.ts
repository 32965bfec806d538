// Unit tests of the pure throttling rules (src/auth/throttle.ts): the delay
// that follows the n-th failure, and the keys failures are counted under.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PER_IP, PER_IP_USER, delayAfterFailures, throttleKeys, type ThrottleRule } from '../../src/throttle/throttle.js';

const RULE: ThrottleRule = { free: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, windowMs: 60 * 60_000 };

describe('delayAfterFailures', () => {
  it('imposes no delay before the free allowance is used up', () => {
    for (let failures = 0; failures < RULE.free; failures++) assert.equal(delayAfterFailures(failures, RULE), 0);
  });

  it('imposes the base delay once the last free failure is spent, so the next attempt waits', () => {
    assert.equal(delayAfterFailures(RULE.free, RULE), 1_000);
  });

  it('doubles the delay with each further failure', () => {
    assert.deepEqual(
      [5, 6, 7, 8, 9].map((n) => delayAfterFailures(n, RULE)),
      [1_000, 2_000, 4_000, 8_000, 16_000],
    );
  });

  it('never decreases as failures grow', () => {
    let previous = 0;
    for (let failures = 0; failures <= 200; failures++) {
      const delay = delayAfterFailures(failures, RULE);
      assert.ok(delay >= previous, `delay fell from ${previous} to ${delay} at ${failures} failures`);
      previous = delay;
    }
  });

  it('caps the delay at the maximum', () => {
    assert.equal(delayAfterFailures(100, RULE), RULE.maxDelayMs);
    // 2^10 s > 15 min: the 15th failure is the first one capped.
    assert.equal(delayAfterFailures(14, RULE), 512_000);
    assert.equal(delayAfterFailures(15, RULE), RULE.maxDelayMs);
  });

  it('stays a finite, capped number for an enormous failure count', () => {
    for (const failures of [1_000, 1_000_000, Number.MAX_SAFE_INTEGER]) {
      const delay = delayAfterFailures(failures, RULE);
      assert.ok(Number.isFinite(delay));
      assert.equal(delay, RULE.maxDelayMs);
    }
  });

  it('lets an address try a few times per user before slowing it, and many more times across users', () => {
    assert.equal(delayAfterFailures(PER_IP_USER.free - 1, PER_IP_USER), 0);
    assert.ok(delayAfterFailures(PER_IP_USER.free, PER_IP_USER) > 0);
    assert.ok(PER_IP.free > PER_IP_USER.free);
    assert.ok(PER_IP_USER.maxDelayMs <= 15 * 60_000 && PER_IP.maxDelayMs <= 15 * 60_000);
  });
});

describe('throttleKeys', () => {
  it('counts per IP, per (IP, user) and per account when a user is named', () => {
    assert.deepEqual(throttleKeys('192.0.2.7', 'alice'), {
      ip: 'ip:192.0.2.7',
      ipUser: 'ip-user:192.0.2.7:alice',
      account: 'account:alice',
    });
  });

  it('counts per IP only when no user is named', () => {
    assert.deepEqual(throttleKeys('192.0.2.7', null), { ip: 'ip:192.0.2.7', ipUser: null, account: null });
  });

  it('gives two addresses different IP and (IP, user) keys but the same account key', () => {
    const a = throttleKeys('192.0.2.7', 'alice');
    const b = throttleKeys('198.51.100.9', 'alice');
    assert.notEqual(a.ip, b.ip);
    assert.notEqual(a.ipUser, b.ipUser);
    assert.equal(a.account, b.account);
  });

  it('counts an IPv6 client as its /64 network, and other networks apart', () => {
    assert.equal(throttleKeys('2001:db8::1', 'alice').ipUser, throttleKeys('2001:db8:0:0:ffff::2', 'alice').ipUser);
    assert.equal(throttleKeys('2001:db8::1', 'alice').ip, 'ip:2001:db8:0:0::/64');
    assert.notEqual(throttleKeys('2001:db8:0:1::1', 'alice').ip, throttleKeys('2001:db8:0:2::1', 'alice').ip);
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    assert.deepEqual(throttleKeys('::ffff:192.0.2.7', 'alice'), throttleKeys('192.0.2.7', 'alice'));
  });
});
