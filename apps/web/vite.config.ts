import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const API = process.env.PARLEY_API ?? 'http://127.0.0.1:8080'

/** Same-origin in production (the gateway serves dist); a proxy gives the same shape in development. */
export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: API, changeOrigin: false },
      '/profiles': { target: API },
      '/acac': { target: API },
      '/messages': { target: API },
      '/ws': { target: API, ws: true },
      '/.well-known': { target: API },
      '/media': { target: API },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
})
