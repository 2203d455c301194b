import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// One bundle for the Tauri windows and the browser portal, plus the technician console
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
    // Three pages: the portal (also the desktop app's window), the desktop's quick-ticket window
    // (only the form: it is kept loaded for the hotkey) and the technician console.
    rolldownOptions: {
      input: {
        portal: 'index.html',
        console: 'console.html',
        quick: 'quick.html',
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
});
