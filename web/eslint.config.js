// ESLint for the web interface: the React hooks rules (dependencies of
// effects, hooks called unconditionally), on the TypeScript sources. Run by
// `npm test` (test/web-interface/lint.test.ts); formatting is Prettier's.
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config({
  files: ['src/**/*.{ts,tsx}'],
  languageOptions: { parser: tseslint.parser },
  plugins: { 'react-hooks': reactHooks, '@typescript-eslint': tseslint.plugin },
  rules: {
    'react-hooks/rules-of-hooks': 'error',
    'react-hooks/exhaustive-deps': 'error',
    '@typescript-eslint/no-unused-vars': 'error',
  },
});
