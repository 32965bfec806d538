/**
 * Login Flow v2's pure parts: a client's name and application from its
 * User-Agent under the app-password name rules (src/nextcloud/client-name.ts),
 * and the sealing of the new password for the holder of the poll token
 * alone (src/nextcloud/login-flow-seal.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateAppPasswordName } from '../../src/app-passwords/name.js';
import { loginFlowClientOf, numberedName, UNNAMED_CLIENT } from '../../src/nextcloud/client-name.js';
import { FLOW_TOKEN_FORM, newFlowToken, openAsPoller, publicKeyOf, sealForPoller } from '../../src/nextcloud/login-flow-seal.js';

describe('a Login Flow client from its User-Agent', () => {
  it('names the desktop client as Nextcloud does, and gives it a sync password', () => {
    assert.deepEqual(loginFlowClientOf('laptop (Desktop Client - Linux)'), {
      name: 'laptop (Desktop Client - Linux)',
      application: 'sync',
    });
  });

  it('gives the mail connectors an outlook password', () => {
    for (const agent of [
      'NC Connector for Outlook/2.4.1 (Windows 11)',
      'NC Connector for Thunderbird/3.0.2',
      'Filelink for *cloud/4.0.2',
    ]) {
      assert.deepEqual(loginFlowClientOf(agent), { name: agent, application: 'outlook' }, agent);
    }
    // A Thunderbird add-on that cannot set its User-Agent sends Thunderbird's.
    assert.deepEqual(loginFlowClientOf('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0'), {
      name: 'Thunderbird',
      application: 'outlook',
    });
  });

  it('follows the name rules: controls and invisible formatting become spaces, 64 code points at most', () => {
    const spoofed = loginFlowClientOf('evil\u202Etxt.exe\u0000\r\nclient');
    assert.equal(spoofed.name, 'evil txt.exe client');
    const long = loginFlowClientOf(`${'é'.repeat(40)}${'😀'.repeat(40)}`);
    assert.equal([...long.name].length, 64);
    assert.equal(long.name, `${'é'.repeat(40)}${'😀'.repeat(24)}`);
    assert.doesNotThrow(() => validateAppPasswordName(long.name));
    // Decomposed letters are composed (NFC), as every app-password name.
    assert.equal(loginFlowClientOf('Cafe\u0301 (Desktop Client - Linux)').name, 'Café (Desktop Client - Linux)');
  });

  it('names a client that says nothing usable', () => {
    for (const agent of [undefined, '', '   ', '\u0000\u200B']) {
      assert.deepEqual(loginFlowClientOf(agent), { name: UNNAMED_CLIENT, application: 'sync' }, JSON.stringify(agent));
    }
  });

  it('numbers a name that is taken, cut to fit the 64 code points', () => {
    assert.equal(numberedName('laptop (Desktop Client - Linux)', 2), 'laptop (Desktop Client - Linux) (2)');
    const full = 'x'.repeat(64);
    assert.equal(numberedName(full, 12), `${'x'.repeat(59)} (12)`);
    assert.equal([...numberedName('😀'.repeat(64), 3)].length, 64);
  });
});

describe('the sealed password of a Login Flow', () => {
  it('makes tokens of 256 random bits in base64url', () => {
    const tokens = new Set(Array.from({ length: 100 }, newFlowToken));
    assert.equal(tokens.size, 100);
    for (const token of tokens) {
      assert.match(token, FLOW_TOKEN_FORM);
      assert.equal(Buffer.from(token, 'base64url').length, 32);
    }
  });

  it('opens only with the poll token it was sealed for', async () => {
    const token = newFlowToken();
    const secret = '4]qxKL%2#jLm>?K^u};5MqA}';
    const sealed = await sealForPoller(publicKeyOf(token), secret);
    assert.ok(!sealed.includes(secret));
    assert.equal(await openAsPoller(token, sealed), secret);
    await assert.rejects(() => openAsPoller(newFlowToken(), sealed));
    // The public key is the token's: the same every time, and another token's differs.
    assert.equal(publicKeyOf(token), publicKeyOf(token));
    assert.notEqual(publicKeyOf(token), publicKeyOf(newFlowToken()));
  });
});
