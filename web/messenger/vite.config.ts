import { defineConfig } from "vite";

// One classic script, no chunks: websites embed it with a single <script async> tag.
export default defineConfig({
  build: {
    target: "es2020",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    lib: {
      entry: "src/main.ts",
      formats: ["iife"],
      // Required by the IIFE format; main.ts exports nothing, so no global is created by it.
      name: "frontdeskMessenger",
      fileName: () => "messenger.js",
    },
  },
});
