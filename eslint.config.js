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

/**
 * Which folder of src/ may import which: the directions of style.md §2 ("Our layout"), so that a
 * back edge between folders fails lint (madge sees only cycles of files). `imports` are folders,
 * or single files as `folder/file.js`; `types` are folders whose types alone may be imported
 * (`import type`), such as the job's config. Every folder may also import src/errors.ts (the
 * catalogue imports nothing) and, but for core/, the types of src/log.ts. No folder imports
 * another top-level module: daemon.ts composes the folders, not the reverse.
 */
const LAYOUT = {
  core: { imports: [] },
  config: { imports: ['core'] },
  state: { imports: ['core'] },
  irods: { imports: ['core'] },
  sources: { imports: ['core'] },
  queue: { imports: ['core', 'state'] },
  handlers: { imports: ['core'], types: ['config', 'irods'] },
  // The pool, its batches and the action pipelines; it records the outcomes in the metrics.
  worker: {
    imports: ['core', 'state', 'irods', 'queue', 'handlers', 'sources', 'metrics'],
    types: ['config'],
  },
  // It feeds the queue and does not act on iRODS: never worker/ or control/.
  sync: { imports: ['core', 'state', 'queue', 'sources', 'handlers'], types: ['config'] },
  // Its values are handed in through small interfaces.
  metrics: { imports: ['core'] },
  // The socket server knows only its own target interface (daemon-target.ts implements it).
  control: { imports: ['core'] },
  // The ctl program shares only what crosses the socket with the server.
  ctl: { imports: ['core', 'control/wire.js'] },
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The `no-restricted-imports` options for a file of `folder`, which may import `rule.imports`.
 * @param {string} folder
 */
function layoutRule(folder) {
  const rule = LAYOUT[folder];
  const imports = rule.imports;
  const types = rule.types ?? [];
  const names = (entries) =>
    entries.map((entry) => (entry.includes('/') ? entry.replace(/\.js$/, '.ts') : `${entry}/`));
  const allowed = `src/${folder}/ may import ${names(rule.imports).join(', ') || 'no other folder'}${
    rule.types ? ` and the types of ${names(rule.types).join(', ')}` : ''
  } (style.md §2 "Our layout")`;
  const patterns = [];
  for (const other of Object.keys(LAYOUT)) {
    if (other === folder || imports.includes(other)) continue;
    const files = imports.filter((entry) => entry.startsWith(`${other}/`));
    const except = files.map((entry) => `(?!${escape(entry.slice(other.length + 1))}$)`).join('');
    patterns.push({
      regex: `^\\.\\./${other}/${except}`,
      allowTypeImports: types.includes(other),
      message: allowed,
    });
  }
  const topLevel = folder === 'core' ? 'errors\\.js$' : 'errors\\.js$|log\\.js$';
  patterns.push({
    regex: `^\\.\\./(?!${topLevel})[^/]+$`,
    message: `folders import no top-level module but errors.ts${folder === 'core' ? '' : ' (and the types of log.ts)'}`,
  });
  if (folder !== 'core') {
    patterns.push({
      regex: '^\\.\\./log\\.js$',
      allowTypeImports: true,
      message: 'folders import only the types of log.ts',
    });
  }
  return ['error', { patterns }];
}

const layoutConfigs = [
  ...Object.keys(LAYOUT).map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': layoutRule(folder) },
  })),
  {
    // daemon.ts composes everything; only the daemon's entry point loads it.
    files: ['src/*.ts'],
    ignores: ['src/main.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: './daemon.js', message: 'only src/main.ts imports daemon.ts' }] },
      ],
    },
  },
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
  ...layoutConfigs,
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
