// @ts-check
import js from '@eslint/js';
import { readFileSync } from 'node:fs';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Packages that do I/O or are not deterministic (one list, also walked by test/unit/workflow-imports.test.ts). */
const IO_PACKAGES = JSON.parse(readFileSync(new URL('./workflow-io-packages.json', import.meta.url), 'utf8'));
const NODE_BUILTINS = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'net',
  'http',
  'https',
  'crypto',
  'stream',
  'events',
  'util',
  'url',
  'zlib',
  'dns',
  'tls',
  'worker_threads',
  'timers',
  'timers/*',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.data/**',
      '.tools/**',
      'coverage/**',
      'scratch/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its error; one handed where a callback is expected runs unawaited.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    // Workflow code is replayed: it may not reach the network, the disk or the clock except through Temporal.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: IO_PACKAGES.map((name) => ({
            name,
            message: 'workflow code must be deterministic: import it as a type, or use it in an activity',
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: NODE_BUILTINS,
              message: 'workflow code must be deterministic: Node built-ins belong in activities',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  prettier,
);
