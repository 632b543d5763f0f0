// Builds the renderer into dist/renderer (Electron loads it from file://, host mode serves it).
// Relative asset paths (base './') work under both. No inline scripts: the CSP allows only 'self'.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${root}/../dist/renderer`,
    emptyOutDir: true,
    target: 'chrome120',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
});
