// @ts-check
/**
 * The linter `npm test` runs (and `npm run lint`): typescript-eslint's recommended rules over every package,
 * erasable syntax only, and the import rules that keep the layers apart at the line that breaks them.
 * scripts/test/layers.test.ts checks the package graph as a whole (no relative import leaves its package, and
 * each package imports only the ones below it).
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noBuilder = {
  group: ['**/scripts/setup/**', '**/scripts/setup.ts'],
  message: 'Runtime code never imports the setup builder: what it needs from setup is in @kubelab/kit/artifacts.',
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'site/.astro/**', 'site/src/generated/**', 'test-results/**', 'playwright-report/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly',
        clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly',
        fetch: 'readonly', WebSocket: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly',
        AbortController: 'readonly', AbortSignal: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly',
        document: 'readonly', window: 'readonly', localStorage: 'readonly', location: 'readonly', navigator: 'readonly',
        customElements: 'readonly', HTMLElement: 'readonly', EventTarget: 'readonly', CustomEvent: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Node 24 runs our .ts files by stripping types: only erasable syntax.
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Enums are not erasable syntax: use a const object or a union.' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'Namespaces are not erasable syntax.' },
        { selector: 'TSParameterProperty', message: 'Parameter properties are not erasable syntax.' },
      ],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['lab-runner/**', 'labs/**', 'checkers/**', 'site/**', 'e2e/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noBuilder] }] },
  },
  {
    files: ['scripts/lib/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@kubelab/*', '../*'], message: 'The kit is the bottom layer: it imports nothing else of Kubelab.' }] },
      ],
    },
  },
  {
    files: ['checkers/**'],
    ignores: ['checkers/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noBuilder,
            { group: ['@kubelab/*', '!@kubelab/kit'], message: 'checkers is a leaf: it may use @kubelab/kit only.' },
          ],
        },
      ],
    },
  },
);
