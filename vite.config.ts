import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is one static bundle: Electron serves it on its steerway:// scheme and browser mode over http,
// so every asset URL is relative.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // Read from disk or localhost: xterm, React and zod make the main bundle ~750 kB; Monaco (~2.7 MB) and its
    // TypeScript worker (~7 MB) are separate chunks, loaded when the first file opens.
    chunkSizeWarningLimit: 8192,
  },
});
