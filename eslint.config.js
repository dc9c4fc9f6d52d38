// ESLint (flat config) with the TypeScript plugin, without type information (fast on
// small machines): `npm run lint`. Formatting (line length included) is Prettier's
// job (.prettierrc.json), so there are no stylistic rules here. Undefined names are
// the TypeScript compiler's job (no-undef is off in the TypeScript preset).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'build/',
      'out/',
      'runs/',
      'web/dist/',
      '**/*.generated.ts',
      'src/engine/backends/wasm/kernels/',
      'engine/',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      // core rules that catch real mistakes (@eslint/js's recommended set is not installed)
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-duplicate-case': 'error',
      'no-unreachable': 'error',
      'no-self-assign': 'error',
      'no-self-compare': 'error',
      'no-unsafe-finally': 'error',
      'no-cond-assign': ['error', 'except-parens'],
      'no-constant-binary-expression': 'error',
      'no-dupe-else-if': 'error',
      'use-isnan': 'error',
      'valid-typeof': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      // one spelling convention: camelCase values, PascalCase types (UPPER_CASE constants allowed)
      camelcase: ['error', { properties: 'never', ignoreDestructuring: true, ignoreImports: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  // tests drive untyped things (Playwright pages, deliberately malformed inputs)
  { files: ['tests/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
