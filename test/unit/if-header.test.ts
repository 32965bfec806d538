/**
 * The WebDAV If header parser (RFC 4918 §10.4): untagged and tagged lists,
 * Not, lock tokens and entity tags; malformed headers refused with a
 * stable code; the submitted tokens are those named without Not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIfHeader, submittedTokens } from '../../src/webdav/if-header.js';
import { isSesameError } from '../../src/errors.js';

describe('If header', () => {
  it('parses untagged lists with tokens, entity tags and Not', () => {
    assert.deepEqual(parseIfHeader('(<urn:uuid:a> ["x"]) (Not <DAV:no-lock> ["x"])'), [
      {
        resource: null,
        conditions: [
          { not: false, kind: 'token', value: 'urn:uuid:a' },
          { not: false, kind: 'etag', value: '"x"' },
        ],
      },
      {
        resource: null,
        conditions: [
          { not: true, kind: 'token', value: 'DAV:no-lock' },
          { not: false, kind: 'etag', value: '"x"' },
        ],
      },
    ]);
  });

  it('parses tagged lists, each applying to its resource', () => {
    assert.deepEqual(parseIfHeader('<http://h/dav/a> (<urn:uuid:1>) <http://h/dav/b> (["e"])'), [
      { resource: 'http://h/dav/a', conditions: [{ not: false, kind: 'token', value: 'urn:uuid:1' }] },
      { resource: 'http://h/dav/b', conditions: [{ not: false, kind: 'etag', value: '"e"' }] },
    ]);
  });

  for (const malformed of ['', '(', '()', 'urn:uuid:a', '(<urn:uuid:a>', '(<a>) <http://h/x> (<b>)', '(Maybe <a>)']) {
    it(`refuses ${JSON.stringify(malformed)} with DAV_HEADER_INVALID`, () => {
      assert.throws(
        () => parseIfHeader(malformed),
        (error) => isSesameError(error, 'DAV_HEADER_INVALID'),
      );
    });
  }

  it('counts as submitted only the tokens named without Not', () => {
    const lists = parseIfHeader('<http://h/x> (<urn:uuid:a>) (Not <urn:uuid:b>) <http://h/y> (<urn:uuid:c> ["e"])');
    assert.deepEqual([...submittedTokens(lists)].sort(), ['urn:uuid:a', 'urn:uuid:c']);
  });
});
