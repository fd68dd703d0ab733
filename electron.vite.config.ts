import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The vision engine is a second entry: main starts it as a utility process by file name.
      rollupOptions: {
        input: { main: resolve('src/main/app/main.ts'), 'engine-entry': resolve('src/main/vision/engine/engine-entry.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads run as CommonJS with everything bundled in.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [svelte()],
    build: {
      outDir: 'out/renderer',
      // The crash screen is a page of its own: it must work while the kiosk page cannot.
      rollupOptions: { input: { index: resolve('src/renderer/index.html'), crash: resolve('src/renderer/crash.html') } },
    },
  },
});
