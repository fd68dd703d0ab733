// The layers of the code base (see docs/ARCHITECTURE.md), checked by `npm run lint`:
// Electron only where the app meets it, shared code that stands on its own, and a renderer that
// takes only types from shared (its values come over IPC, validated in main).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'electron-only-in-app-and-preload',
      comment: 'The rest of the main process is plain Node and tested directly: Electron is imported only in src/main/app and src/preload.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main/app|preload)/' },
      to: { path: '(^|/)node_modules/electron/' },
    },
    {
      name: 'shared-stands-alone',
      comment: 'src/shared is the contract between main and renderer: it imports nothing from either.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/(main|renderer|preload|cli)/' },
    },
    {
      name: 'renderer-takes-types-from-shared',
      comment: 'The renderer imports only types from src/shared (no zod, no schemas in the page bundle).',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: '^src/shared/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-stays-in-the-page',
      comment: 'The renderer runs sandboxed in the page: it cannot reach main-process or Node code.',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: '^src/(main|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(out|dist)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.svelte', '.json'] },
  },
};
