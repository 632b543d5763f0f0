// The import boundaries of DESIGN.md ("What may import what"): the folder says what a file may use.
// src-shared, src-main/core and src-renderer are allowlists (a new package must be named here);
// the other folders list what they never import. Type-only imports count like any other; an import
// that resolves to nothing is named by no-unresolvable alone.

/** A path pattern for the named packages' files under node_modules. */
const packages = (...names) => `^node_modules/(?:${names.join('|')})/`;

// DESIGN.md's "src-shared, pure libraries (zod)".
const SHARED_LIBRARIES = packages('zod');
// DESIGN.md's "better-sqlite3, axios, ws"; zod is src-shared's schema library, and node-notifier is the
// Notifier in host mode and the Electron fallback (DESIGN.md, "notifications").
const CORE_LIBRARIES = packages('better-sqlite3', 'axios', 'ws', 'zod', 'node-notifier');
// DESIGN.md's "react, zustand, DOM libraries".
const RENDERER_LIBRARIES = packages('react', 'react-dom', 'zustand', '@tanstack/react-virtual');
const ELECTRON = ['^node_modules/electron/', '^electron$'];

module.exports = {
  forbidden: [
    {
      name: 'shared-is-pure',
      comment: 'src-shared runs anywhere: only src-shared and zod, no DOM library, no electron, no other src-* folder',
      severity: 'error',
      from: { path: '^src-shared/' },
      to: { pathNot: ['^src-shared/', SHARED_LIBRARIES], dependencyTypesNot: ['core'], couldNotResolve: false },
    },
    {
      name: 'shared-no-builtins',
      comment: 'src-shared runs in the renderer too: no node:* modules',
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
      name: 'core-allowlist',
      comment:
        'src-main/core imports only itself, src-shared, node:* and its libraries: never electron, the renderer, ' +
        'the shell or host, or the server (it talks to the server over the network like any client)',
      severity: 'error',
      from: { path: '^src-main/core/' },
      to: { pathNot: ['^src-main/core/', '^src-shared/', CORE_LIBRARIES], dependencyTypesNot: ['core'], couldNotResolve: false },
    },
    {
      name: 'electron-only-in-shell',
      comment: "require('electron') throws where the binary is missing: keep it inside src-main/electron",
      severity: 'error',
      from: { pathNot: '^src-main/electron/' },
      to: { path: ELECTRON },
    },
    {
      name: 'electron-store-only-in-shell',
      comment: 'electron-store cannot be imported without Electron: host mode and tests use conf, its engine',
      severity: 'error',
      from: { pathNot: '^src-main/electron/' },
      to: { path: '^node_modules/electron-store/' },
    },
    {
      name: 'shell-not-renderer-or-server',
      comment: 'src-main/electron wires the core to Electron: it loads the built renderer, never imports it',
      severity: 'error',
      from: { path: '^src-main/electron/' },
      to: { path: ['^src-renderer/', '^src-server/', '^src-main/host/'] },
    },
    {
      name: 'host-not-electron-or-server',
      comment: 'src-main/host serves the core to a browser under plain Node',
      severity: 'error',
      from: { path: '^src-main/host/' },
      to: { path: ['^src-server/', '^src-main/electron/', '^src-renderer/'] },
    },
    {
      name: 'renderer-allowlist',
      comment: 'src-renderer is DOM only: src-shared, react, zustand and DOM libraries; main only through the desktop API',
      severity: 'error',
      // vite.config.ts builds the renderer under Node; it is not part of it.
      from: { path: '^src-renderer/', pathNot: '^src-renderer/vite[.]config[.]ts$' },
      to: { pathNot: ['^src-renderer/', '^src-shared/', RENDERER_LIBRARIES], dependencyTypesNot: ['core'], couldNotResolve: false },
    },
    {
      name: 'renderer-no-builtins',
      comment: 'src-renderer runs in a sandboxed page: no node:* modules',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'an import that resolves to no file fails at run time, and no rule above could check it',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
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
    // Packages that declare their entry only in "exports" (conf, vite) resolve as Node resolves them.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
