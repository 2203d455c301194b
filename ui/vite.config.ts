import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// One bundle for the Tauri window and the browser portal, plus the technician console
// (docs/ARCHITECTURE.md).
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    // In development the browser portal talks to a local bellhop-server.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  build: {
    target: 'es2022',
    sourcemap: false,
    // Two pages: the portal (also the desktop app's window) and the technician console.
    rolldownOptions: {
      input: {
        portal: 'index.html',
        console: 'console.html',
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
});
