// Lint rules chosen for the bugs they catch, not for taste (prettier owns layout). `npm run lint` allows no warnings.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import eslintComments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'package/', 'coverage/', '.cache/', 'outbox/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  eslintComments.recommended,
  {
    rules: {
      // An exception to a rule says why, next to it (`eslint-disable-next-line rule -- reason`).
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Type-aware rules that catch real faults: a promise nobody awaits or catches (an unhandled rejection ends
      // the Functions worker), a promise handed where a callback's result is ignored, awaiting a non-promise, a
      // `return promise` inside try that skips its own catch, a switch that forgets a union member, deprecated APIs.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-deprecated': 'error',
      // An async function without `await` is how a Promise-returning interface is implemented here, and it turns a
      // synchronous throw into a rejection, which callers rely on.
      '@typescript-eslint/require-await': 'off',
      // The compiler's own convention (noUnusedLocals/noUnusedParameters accept a leading underscore); a rest
      // sibling is how a property is left out of a copy.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and tools read HTTP response bodies and the emulator's untyped internals as `any` on purpose (each
    // such `any` is declared once, with its reason) and check them field by field; typing every read would add
    // nothing `expect` does not already check. The service code under functions/ and shared/ keeps these rules.
    files: ['test/**/*.ts', 'tools/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
