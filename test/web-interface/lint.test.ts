/**
 * The web interface's sources pass ESLint with the React hooks rules
 * (web/eslint.config.js): every hook called unconditionally, every effect
 * listing what it reads, no unused variable.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { ROOT } from '../helpers/build.js';

describe('web interface: ESLint', () => {
  it('finds nothing in web/src', async () => {
    const eslint = new ESLint({ cwd: path.join(ROOT, 'web') });
    const results = await eslint.lintFiles(['src/**/*.{ts,tsx}']);
    const problems = results.flatMap((result) =>
      result.messages.map(
        (message) => `${path.relative(ROOT, result.filePath)}:${message.line} ${message.ruleId ?? ''} ${message.message}`,
      ),
    );
    assert.ok(results.length > 20, `linted ${results.length} files`);
    assert.deepEqual(problems, []);
  });
});
