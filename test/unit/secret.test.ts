// Unit tests of the app-password secret generator: the 89-symbol
// alphabet, the length, the four character classes, that a draw missing a
// class is thrown away whole, and that real crypto draws are uniform over the
// valid secrets (chi-square against the exact expected frequencies).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET_ALPHABET, SECRET_LENGTH, generateSecret } from '../../src/app-passwords/secret.js';

const EXCLUDED = [' ', '"', "'", '`', '\\', ':'];
const PRINTABLE_ASCII = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i));

type CharClass = 'lower' | 'upper' | 'digit' | 'symbol';
const CLASSES: readonly CharClass[] = ['lower', 'upper', 'digit', 'symbol'];

function classOf(c: string): CharClass {
  if (c >= 'a' && c <= 'z') return 'lower';
  if (c >= 'A' && c <= 'Z') return 'upper';
  if (c >= '0' && c <= '9') return 'digit';
  return 'symbol';
}

/** A randomInt that replays the alphabet indexes of the given strings, recording each `max` it is asked for. */
function scripted(...draws: string[]): { randomInt: (max: number) => number; maxes: number[] } {
  const indexes = draws.flatMap((draw) =>
    [...draw].map((c) => {
      const index = SECRET_ALPHABET.indexOf(c);
      assert.ok(index >= 0, `test set-up: ${c} is not in the alphabet`);
      return index;
    }),
  );
  const maxes: number[] = [];
  return {
    maxes,
    randomInt(max) {
      maxes.push(max);
      const next = indexes.shift();
      if (next === undefined) throw new Error('scripted randomInt ran out of draws');
      return next;
    },
  };
}

/** Chi-square statistic of observed counts against expected counts. */
function chiSquare(observed: number[], expected: number[]): number {
  return observed.reduce((sum, o, i) => sum + (o - expected[i]!) ** 2 / expected[i]!, 0);
}

/**
 * Exact probability that one position of a secret drawn uniformly among the
 * valid secrets (length n, every class present) holds one given symbol of
 * class `k`, by inclusion–exclusion over the classes that are missing.
 */
function exactSymbolProbability(classSizes: Record<CharClass, number>, k: CharClass, n: number): number {
  const total = BigInt(SECRET_ALPHABET.length);
  const subsets = (classes: readonly CharClass[]): CharClass[][] =>
    classes.reduce<CharClass[][]>((acc, c) => acc.concat(acc.map((s) => [...s, c])), [[]]);
  const countStrings = (length: number, mustContain: readonly CharClass[]): bigint =>
    subsets(mustContain).reduce((sum, missing) => {
      const size = total - BigInt(missing.reduce((s, c) => s + classSizes[c], 0));
      const term = size ** BigInt(length);
      return missing.length % 2 === 0 ? sum + term : sum - term;
    }, 0n);
  const valid = countStrings(n, CLASSES);
  // Secrets whose first position is this symbol: the other n-1 positions must supply the other classes.
  const withSymbolFirst = countStrings(
    n - 1,
    CLASSES.filter((c) => c !== k),
  );
  const scale = 10n ** 18n;
  return Number((withSymbolFirst * scale) / valid) / Number(scale);
}

describe('app-password secret', () => {
  it('draws from exactly printable ASCII minus space, double quote, quote, backtick, backslash and colon: 89 symbols', () => {
    const expected = PRINTABLE_ASCII.filter((c) => !EXCLUDED.includes(c));
    assert.equal(SECRET_ALPHABET.length, 89);
    assert.deepEqual([...SECRET_ALPHABET].sort(), expected.sort());
    assert.equal(new Set(SECRET_ALPHABET).size, 89);
    for (const c of EXCLUDED) assert.ok(!SECRET_ALPHABET.includes(c), `alphabet contains ${JSON.stringify(c)}`);
  });

  it('is 24 characters long, every character from the alphabet', () => {
    assert.equal(SECRET_LENGTH, 24);
    for (let i = 0; i < 1000; i++) {
      const secret = generateSecret();
      assert.equal(secret.length, 24);
      for (const c of secret) assert.ok(SECRET_ALPHABET.includes(c), `${JSON.stringify(c)} is not in the alphabet`);
    }
  });

  it('always holds a lower-case letter, an upper-case letter, a digit and a symbol', () => {
    for (let i = 0; i < 5000; i++) {
      const secret = generateSecret();
      const present = new Set([...secret].map(classOf));
      assert.deepEqual([...present].sort(), [...CLASSES].sort(), `secret missing a class: ${secret}`);
    }
  });

  it('draws each of the 24 characters with randomInt(89)', () => {
    const valid = 'aB3!aaaaaaaaaaaaaaaaaaaa';
    const source = scripted(valid);
    assert.equal(generateSecret(source.randomInt), valid);
    assert.deepEqual(source.maxes, Array(24).fill(89));
  });

  for (const [missing, rejected] of [
    ['digit', 'abcdefghijklABCDEFGHIJ!#'],
    ['lower-case letter', 'ABCDEFGHIJKL0123456789!#'],
    ['upper-case letter', 'abcdefghijkl0123456789!#'],
    ['symbol', 'abcdefghABCDEFGH01234567'],
  ] as const) {
    it(`throws a draw without a ${missing} away whole and draws all 24 characters again`, () => {
      const accepted = 'Zz9~Zz9~Zz9~Zz9~Zz9~Zz9~';
      const source = scripted(rejected, accepted);
      // The result is the second draw untouched: the first was neither kept nor patched.
      assert.equal(generateSecret(source.randomInt), accepted);
      assert.equal(source.maxes.length, 48);
    });
  }

  it('keeps drawing until a draw holds all four classes', () => {
    const accepted = 'q-7Rq-7Rq-7Rq-7Rq-7Rq-7R';
    const source = scripted('a'.repeat(24), '1'.repeat(24), '%'.repeat(24), 'aA1'.repeat(8), accepted);
    assert.equal(generateSecret(source.randomInt), accepted);
    assert.equal(source.maxes.length, 5 * 24);
  });

  describe('uniformity of real crypto draws (20 000 secrets)', () => {
    const SECRETS = 20_000;
    let secrets: string[] = [];
    const classSizes = { lower: 0, upper: 0, digit: 0, symbol: 0 };
    for (const c of SECRET_ALPHABET) classSizes[classOf(c)] += 1;
    before(() => {
      secrets = Array.from({ length: SECRETS }, () => generateSecret());
    });

    it('gives every symbol its exact expected frequency under uniform valid secrets (chi-square, 88 df)', () => {
      assert.deepEqual(classSizes, { lower: 26, upper: 26, digit: 10, symbol: 27 });
      const observed = new Array<number>(SECRET_ALPHABET.length).fill(0);
      for (const secret of secrets) for (const c of secret) observed[SECRET_ALPHABET.indexOf(c)]! += 1;
      const draws = SECRETS * SECRET_LENGTH;
      const expected = SECRET_ALPHABET.map((c) => draws * exactSymbolProbability(classSizes, classOf(c), SECRET_LENGTH));
      // The expected frequencies form a distribution (sanity of the inclusion–exclusion).
      assert.ok(Math.abs(expected.reduce((a, b) => a + b, 0) - draws) < 1e-6 * draws);
      // 88 degrees of freedom: mean 88, sd ≈ 13.3; 200 is exceeded by chance with p < 1e-9.
      const statistic = chiSquare(observed, expected);
      assert.ok(statistic < 200, `chi-square ${statistic.toFixed(1)} ≥ 200: symbols are not drawn uniformly`);
    });

    it('gives every position the same class frequencies (chi-square, 72 df)', () => {
      const classProbability = Object.fromEntries(
        CLASSES.map((k) => [k, classSizes[k] * exactSymbolProbability(classSizes, k, SECRET_LENGTH)]),
      ) as Record<CharClass, number>;
      let statistic = 0;
      for (let position = 0; position < SECRET_LENGTH; position++) {
        const observed = CLASSES.map((k) => secrets.filter((s) => classOf(s[position]!) === k).length);
        statistic += chiSquare(
          observed,
          CLASSES.map((k) => SECRETS * classProbability[k]),
        );
      }
      // 24 positions × 3 df = 72 df: mean 72, sd 12; 180 is exceeded by chance with p < 1e-9.
      assert.ok(statistic < 180, `chi-square ${statistic.toFixed(1)} ≥ 180: some positions favour a class`);
    });
  });
});
