import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// The server (src/frontdesk/web.py) serves dist/ at / and dist/assets at /assets.
export default defineConfig({
  base: "/",
  plugins: [vue()],
  build: { outDir: "dist", assetsDir: "assets", emptyOutDir: true, sourcemap: false },
  server: {
    // `npm run dev` next to `frontdesk run` on :8000.
    proxy: {
      "/api": { target: "http://127.0.0.1:8000", ws: true, changeOrigin: false },
      "/messenger": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
});
