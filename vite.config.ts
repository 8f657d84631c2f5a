import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is one static bundle: Electron loads it from file:// and browser mode serves it over http,
// so every asset URL is relative.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // One bundle read from disk or localhost; xterm, React and zod make it ~750 kB, which is fine here.
    chunkSizeWarningLimit: 1024,
  },
});
