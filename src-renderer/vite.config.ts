// Builds the renderer into dist/renderer (Electron loads it from file://, host mode serves it).
// Relative asset paths (base './') work under both. No inline scripts: the CSP allows only 'self'.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { META_CONTENT_SECURITY_POLICY } from '../src-shared/desktop/csp';

const root = import.meta.dirname;

/** Writes the app's CSP (src-shared/desktop/csp.ts) into index.html as the first tag of <head>, before anything it governs. */
export function cspMeta(): Plugin {
  return {
    name: 'csp-meta',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: META_CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), cspMeta()],
  build: {
    outDir: `${root}/../dist/renderer`,
    emptyOutDir: true,
    target: 'chrome120',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
});
