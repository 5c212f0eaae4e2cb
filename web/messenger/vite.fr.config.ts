import { defineConfig } from "vite";

// The French words (src/i18n-fr.ts): a classic script of their own, loaded by messenger.js only
// when the messenger speaks French (docs/messenger.md, "Languages" and "Size").
export default defineConfig({
  build: {
    target: "es2020",
    outDir: "dist",
    emptyOutDir: false,
    sourcemap: false,
    lib: {
      entry: "src/fr-entry.ts",
      formats: ["iife"],
      name: "frontdeskFrench",
      fileName: () => "messenger-fr.js",
    },
  },
});
