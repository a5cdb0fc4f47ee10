import simpleImportSort from 'eslint-plugin-simple-import-sort'
import tseslint from 'typescript-eslint'

/** Tests, test support and repository tooling: they read parsed JSON bodies and frames freely. */
const LOOSE_FILES = [
  '**/*.test.ts',
  '**/*.test.tsx',
  '**/*.fixture.ts',
  '**/testing/**/*.ts',
  '**/testing.ts',
  '**/test-utils.ts',
  '**/e2e/**/*.ts',
  'scripts/**/*.ts',
  'services/*/scripts/**/*.ts',
  'deploy/**/*.ts',
  'vitest.config.ts',
]

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'data/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      'artifacts/**',
      '.tmp/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // Type-aware rules: each file is checked with the tsconfig that owns it (root or apps/web).
      parserOptions: {
        projectService: { allowDefaultProject: ['services/auth/scripts/*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/consistent-type-exports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // @NOTE Handlers and consumers are `async` to satisfy the interfaces that await them.
      '@typescript-eslint/require-await': 'off',
      // React's onSubmit/onClick take promise-returning handlers by design; arguments still count.
      // Fastify takes async hooks and handlers in option objects; arguments still count.
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false, properties: false } },
      ],
      // @NOTE String(unknown) is how untrusted input (bodies, provider errors) is read as text on purpose.
      '@typescript-eslint/no-base-to-string': 'off',
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
    },
  },
  {
    // @NOTE React props declared with method syntax (`onClose(): void`) are plain callbacks, never `this`-bound.
    files: ['apps/web/src/**/*.tsx'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    files: LOOSE_FILES,
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
)
