/**
 * The OCS envelope (src/nextcloud/ocs-envelope.ts) as Nextcloud writes it:
 * the version from the path, the format from `format=` then Accept then
 * XML, meta of each version, Nextcloud's XML (one-space indent, `element`
 * for list items, true as 1, false and null empty), JSON with `<` and `>`
 * escaped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ocsFormatOf, ocsVersionOf, renderOcs } from '../../src/nextcloud/ocs-envelope.js';

const request = (url: string, accept?: string) => ({ url, headers: accept === undefined ? {} : { accept } });

describe('OCS envelope', () => {
  it('takes the version from the path', () => {
    assert.equal(ocsVersionOf('/ocs/v1.php/cloud/user?format=json'), 1);
    assert.equal(ocsVersionOf('/ocs/v2.php/cloud/user'), 2);
    assert.equal(ocsVersionOf('/ocs/v2.php/x?y=/ocs/v1.php/'), 2);
  });

  it('chooses the format by format=, then by the first JSON or XML type of Accept, else XML', () => {
    assert.equal(ocsFormatOf(request('/ocs/v1.php/cloud/user?format=json')), 'json');
    assert.equal(ocsFormatOf(request('/ocs/v1.php/cloud/user?format=xml', 'application/json')), 'xml');
    assert.equal(ocsFormatOf(request('/ocs/v2.php/cloud/user', 'application/json')), 'json');
    assert.equal(ocsFormatOf(request('/ocs/v2.php/cloud/user', 'text/html, Application/XML, application/json')), 'xml');
    assert.equal(ocsFormatOf(request('/ocs/v2.php/cloud/user', '*/*')), 'xml');
    // A type with parameters is no match (Nextcloud compares the whole entry).
    assert.equal(ocsFormatOf(request('/ocs/v2.php/cloud/user', 'application/json; q=0.9')), 'xml');
    assert.equal(ocsFormatOf(request('/ocs/v2.php/cloud/user?format=yaml', 'application/json')), 'json');
    assert.equal(ocsFormatOf(request('/ocs/v2.php/cloud/user')), 'xml');
  });

  it('writes version 1 meta with totalitems and itemsperpage, as JSON with < and > escaped', () => {
    const text = renderOcs(
      'json',
      { status: 'ok', statuscode: 100, message: 'OK', totalitems: '', itemsperpage: '' },
      { name: '<b>' },
    );
    assert.equal(
      text,
      '{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":{"name":"\\u003Cb\\u003E"}}}',
    );
    assert.deepEqual(JSON.parse(text).ocs.data, { name: '<b>' });
  });

  it("writes Nextcloud's XML", () => {
    const text = renderOcs(
      'xml',
      { status: 'failure', statuscode: 998, message: 'a & b' },
      {
        yes: true,
        no: false,
        none: null,
        list: ['x', 1],
        empty: [],
        nested: { 'webdav-root': 'remote.php/webdav' },
      },
    );
    assert.equal(
      text,
      [
        '<?xml version="1.0"?>',
        '<ocs>',
        ' <meta>',
        '  <status>failure</status>',
        '  <statuscode>998</statuscode>',
        '  <message>a &#38; b</message>',
        ' </meta>',
        ' <data>',
        '  <yes>1</yes>',
        '  <no></no>',
        '  <none></none>',
        '  <list>',
        '   <element>x</element>',
        '   <element>1</element>',
        '  </list>',
        '  <empty/>',
        '  <nested>',
        '   <webdav-root>remote.php/webdav</webdav-root>',
        '  </nested>',
        ' </data>',
        '</ocs>',
        '',
      ].join('\n'),
    );
  });
});
