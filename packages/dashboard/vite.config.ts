import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the Bridle server at `/` under a CSP of 'self': no inline scripts, no CDNs, and
// hashed asset names so the server can cache them for a year.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8787' } },
});
