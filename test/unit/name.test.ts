// Unit tests of app-password name validation (the help page's "Nom de la connexion"): trimmed, NFC,
// 1–64 Unicode code points, no control or line/paragraph separator
// characters, and a case-insensitive key for duplicate detection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NAME_MAX_CODE_POINTS, validateAppPasswordName } from '../../src/app-passwords/name.js';
import { isSesameError, type ErrorCode } from '../../src/errors.js';

function refusal(raw: string): ErrorCode {
  try {
    validateAppPasswordName(raw);
  } catch (error) {
    assert.ok(isSesameError(error), `expected a SesameError, got ${String(error)}`);
    return error.code;
  }
  assert.fail(`${JSON.stringify(raw)} was accepted`);
}

describe('app-password name', () => {
  it('accepts the help page example unchanged', () => {
    assert.deepEqual(validateAppPasswordName('Mon WebDAV'), { name: 'Mon WebDAV', key: 'mon webdav' });
  });

  it('trims surrounding white space', () => {
    assert.equal(validateAppPasswordName('  \t Mon WebDAV \u00a0 ').name, 'Mon WebDAV');
  });

  it('keeps inner white space', () => {
    assert.equal(validateAppPasswordName(' Outlook  bureau ').name, 'Outlook  bureau');
  });

  it('normalises to NFC: e + combining acute becomes one code point é', () => {
    const { name } = validateAppPasswordName('Caf\u0065\u0301');
    assert.equal(name, 'Caf\u00e9');
    assert.equal([...name].length, 4);
  });

  it('counts code points after NFC: 64 decomposed é (128 code points before) are accepted', () => {
    const { name } = validateAppPasswordName('e\u0301'.repeat(64));
    assert.equal(name, '\u00e9'.repeat(64));
  });

  it('accepts exactly 64 code points', () => {
    assert.equal(NAME_MAX_CODE_POINTS, 64);
    const raw = 'x'.repeat(64);
    assert.equal(validateAppPasswordName(raw).name, raw);
  });

  it('accepts 64 emoji: an astral character counts as one code point, not two UTF-16 units', () => {
    const raw = '😀'.repeat(64);
    assert.equal(raw.length, 128);
    assert.equal(validateAppPasswordName(raw).name, raw);
  });

  it('does not count trimmed white space towards the 64', () => {
    assert.equal(validateAppPasswordName(`  ${'y'.repeat(64)}  `).name, 'y'.repeat(64));
  });

  it('refuses 65 code points with NAME_TOO_LONG', () => {
    assert.equal(refusal('x'.repeat(65)), 'NAME_TOO_LONG');
  });

  it('refuses 65 emoji with NAME_TOO_LONG', () => {
    assert.equal(refusal('😀'.repeat(65)), 'NAME_TOO_LONG');
  });

  it('says how long the name is and what the limit is', () => {
    try {
      validateAppPasswordName('x'.repeat(70));
      assert.fail('accepted');
    } catch (error) {
      assert.ok(isSesameError(error, 'NAME_TOO_LONG'));
      assert.match(error.message, /70/);
      assert.match(error.message, /64/);
    }
  });

  for (const [label, raw] of [
    ['an empty name', ''],
    ['a name of spaces', '   '],
    ['a name of tabs and no-break spaces', '\t\u00a0\t'],
  ] as const) {
    it(`refuses ${label} with NAME_REQUIRED`, () => {
      assert.equal(refusal(raw), 'NAME_REQUIRED');
    });
  }

  for (const [label, raw] of [
    ['NUL', 'Mon\u0000WebDAV'],
    ['a line feed', 'Mon\nWebDAV'],
    ['a carriage return', 'Mon\rWebDAV'],
    ['a tab', 'Mon\tWebDAV'],
    ['an escape', 'Mon\u001b[31mWebDAV'],
    ['DEL', 'Mon\u007fWebDAV'],
    ['a C1 control (NEL)', 'Mon\u0085WebDAV'],
    ['U+2028 LINE SEPARATOR', 'Mon\u2028WebDAV'],
    ['U+2029 PARAGRAPH SEPARATOR', 'Mon\u2029WebDAV'],
  ] as const) {
    it(`refuses a name containing ${label} with NAME_INVALID_CHARACTERS`, () => {
      assert.equal(refusal(raw), 'NAME_INVALID_CHARACTERS');
    });
  }

  it('gives names differing only in case the same key', () => {
    const a = validateAppPasswordName('Mon WebDAV');
    const b = validateAppPasswordName('MON webdav');
    assert.notEqual(a.name, b.name);
    assert.equal(a.key, b.key);
  });

  it('gives accented names differing only in case and normalisation form the same key', () => {
    assert.equal(validateAppPasswordName('ÉTÉ').key, validateAppPasswordName('e\u0301te\u0301').key);
  });

  it('gives different names different keys', () => {
    assert.notEqual(validateAppPasswordName('Mon WebDAV').key, validateAppPasswordName('Mon WebDAV 2').key);
  });

  for (const [label, raw] of [
    ['U+202E RIGHT-TO-LEFT OVERRIDE', 'Mon WebDAV\u202Efdp.exe'],
    ['U+200B ZERO WIDTH SPACE', 'Mon\u200BWebDAV'],
    ['U+FEFF ZERO WIDTH NO-BREAK SPACE (BOM)', 'Mon\uFEFFWebDAV'],
    ['U+2066 LEFT-TO-RIGHT ISOLATE', 'Mon \u2066WebDAV\u2069'],
  ] as const) {
    it(`refuses a name containing the invisible ${label} with NAME_INVALID_CHARACTERS`, () => {
      assert.equal(refusal(raw), 'NAME_INVALID_CHARACTERS');
    });
  }

  it('accepts an emoji ZWJ sequence (👨‍👩‍👧) unchanged, its zero-width joiners kept', () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    const raw = `Tablette ${family}`;
    assert.equal(validateAppPasswordName(raw).name, raw);
  });

  it('accepts a ZERO WIDTH NON-JOINER in Persian text unchanged', () => {
    const raw = 'می\u200Cخواهم'; // "I want", written with the ZWNJ Persian requires
    assert.equal(validateAppPasswordName(raw).name, raw);
    assert.ok(validateAppPasswordName(raw).name.includes('\u200C'));
  });
});
