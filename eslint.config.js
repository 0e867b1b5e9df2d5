// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// src/core/ holds the pure decisions: it must stay free of I/O so that it can be tested with
// tables and reused by every part of the daemon.
const ioModules = [
  'node:*',
  'fs',
  'fs/*',
  'net',
  'http',
  'child_process',
  'worker_threads',
  'undici',
  'ioredis',
  'bullmq',
  'chokidar',
  '@aws-sdk/*',
  'winston',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.runtime/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ioModules, message: 'src/core/ is pure: no I/O imports.' }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // node:test's describe/it return promises that the runner awaits itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
