// The import boundaries of DESIGN.md: the folder says what a file may use.
module.exports = {
  forbidden: [
    {
      name: 'shared-is-pure',
      comment: 'src-shared runs anywhere: no node:*, no DOM libraries, no electron, no other src-* folder',
      severity: 'error',
      from: { path: '^src-shared/' },
      to: { pathNot: ['^src-shared/', '^node_modules/zod/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'shared-no-builtins',
      severity: 'error',
      from: { path: '^src-shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'server-not-desktop',
      comment: 'src-server never imports the desktop client',
      severity: 'error',
      from: { path: '^src-server/' },
      to: { path: '^(src-main|src-renderer)/' },
    },
    {
      name: 'core-not-electron',
      comment: 'src-main/core never imports electron, the renderer or the server (it talks to the server over the network)',
      severity: 'error',
      from: { path: '^src-main/core/' },
      to: { path: ['^node_modules/electron/', '^electron$', '^src-renderer/', '^src-server/', '^src-main/(electron|host)/'] },
    },
    {
      name: 'electron-only-in-shell',
      comment: "require('electron') throws where the binary is missing: keep it inside src-main/electron",
      severity: 'error',
      from: { pathNot: '^src-main/electron/' },
      to: { path: ['^node_modules/electron/', '^electron$'] },
    },
    {
      name: 'shell-not-renderer-or-server',
      severity: 'error',
      from: { path: '^src-main/electron/' },
      to: { path: ['^src-renderer/', '^src-server/', '^src-main/host/'] },
    },
    {
      name: 'host-not-electron-or-server',
      severity: 'error',
      from: { path: '^src-main/host/' },
      to: { path: ['^src-server/', '^src-main/electron/', '^src-renderer/'] },
    },
    {
      name: 'renderer-is-dom-only',
      comment: 'src-renderer reaches main only through the desktop API',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: ['^src-main/', '^src-server/', '^node_modules/electron/'] },
    },
    {
      name: 'renderer-no-builtins',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, pathNot: '^node_modules/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
