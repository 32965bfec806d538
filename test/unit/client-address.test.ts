// Unit tests of client addresses as Sésame counts them
// (src/throttle/client-address.ts): an IPv4-mapped IPv6 address is written as
// IPv4, an address:port loses its port, anything that is not an address is null, every other address is kept as given; for throttling, an IPv4
// client is its address and an IPv6 client its /64 network, whatever way
// the address is written (compressed, expanded, upper case, zone index,
// embedded IPv4 tail).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeAddress, throttleNetwork } from '../../src/throttle/client-address.js';

describe('normalizeAddress', () => {
  it('writes an IPv4-mapped IPv6 address as the IPv4 address', () => {
    assert.equal(normalizeAddress('::ffff:192.0.2.7'), '192.0.2.7');
  });

  it('writes an IPv4-mapped address in upper case as the IPv4 address too', () => {
    assert.equal(normalizeAddress('::FFFF:192.0.2.7'), '192.0.2.7');
  });

  for (const address of [
    '192.0.2.7',
    '127.0.0.1',
    '::1',
    '2001:db8::1',
    '2001:DB8:0:0:0:0:0:1',
    'fe80::1%eth0',
    '::ffff:c000:207',
    '64:ff9b::192.0.2.7',
    '::192.0.2.7',
  ]) {
    it(`keeps ${address} unchanged`, () => {
      assert.equal(normalizeAddress(address), address);
    });
  }
});

describe('normalizeAddress of forwarded values', () => {
  it('drops the port of a forwarded IPv4 address:port', () => {
    assert.equal(normalizeAddress('1.2.3.4:5555'), '1.2.3.4');
  });

  it('drops the brackets and port of a forwarded [IPv6]:port', () => {
    assert.equal(normalizeAddress('[2001:db8::1]:443'), '2001:db8::1');
  });

  for (const value of [
    'garbage',
    '',
    'unknown',
    '1.2.3',
    '999.1.1.1',
    '1.2.3.4:',
    'localhost:80',
    '1.2.3.4%eth0',
    '1.2.3.4%',
    '[1.2.3.4%x]:80',
  ]) {
    it(`finds no address in ${JSON.stringify(value)}`, () => {
      assert.equal(normalizeAddress(value), null);
    });
  }
});

describe('throttleNetwork', () => {
  it('counts an IPv4 client as its own address', () => {
    assert.equal(throttleNetwork('192.0.2.7'), '192.0.2.7');
    assert.notEqual(throttleNetwork('192.0.2.7'), throttleNetwork('192.0.2.8'));
  });

  it('counts an IPv4-mapped IPv6 client as the IPv4 address', () => {
    assert.equal(throttleNetwork('::ffff:192.0.2.7'), '192.0.2.7');
  });

  it('counts an IPv6 client as its /64 network', () => {
    assert.equal(throttleNetwork('2001:db8::1'), '2001:db8:0:0::/64');
  });

  it('gives every way of writing addresses of one /64 the same network', () => {
    const forms = [
      '2001:db8::1',
      '2001:db8:0:0::2',
      '2001:0db8:0000:0000:0000:0000:0000:0001',
      '2001:DB8::FFFF:1',
      '2001:db8:0:0:ffff:ffff:ffff:ffff',
      '2001:db8::',
    ];
    for (const form of forms) assert.equal(throttleNetwork(form), '2001:db8:0:0::/64', form);
  });

  it('keeps different /64 networks apart', () => {
    const networks = ['2001:db8:0:1::1', '2001:db8:0:2::1', '2001:db8:1::1', '2001:db9::1'].map(throttleNetwork);
    assert.equal(new Set(networks).size, networks.length, networks.join(' '));
    assert.equal(throttleNetwork('2001:db8:0:1::1'), '2001:db8:0:1::/64');
  });

  it('counts ::1 as the network 0:0:0:0::/64', () => {
    assert.equal(throttleNetwork('::1'), '0:0:0:0::/64');
  });

  it('ignores the zone index of a link-local address', () => {
    assert.equal(throttleNetwork('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(throttleNetwork('fe80::1%eth0'), throttleNetwork('fe80::2'));
  });

  it('counts an embedded IPv4 tail as the last two groups', () => {
    assert.equal(throttleNetwork('2001:db8::192.0.2.1'), '2001:db8:0:0::/64');
    assert.equal(throttleNetwork('2001:db8:1:2:3:4:192.0.2.1'), '2001:db8:1:2::/64');
    assert.equal(throttleNetwork('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
  });
});
