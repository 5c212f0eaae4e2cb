import { defineConfig } from "vite";

// The proactive messages' part (src/proactive.ts): a second classic script, loaded by
// messenger.js only for inboxes that have proactive messages (docs/messenger.md, "Size").
export default defineConfig({
  build: {
    target: "es2020",
    outDir: "dist",
    emptyOutDir: false,
    sourcemap: false,
    lib: {
      entry: "src/proactive-entry.ts",
      formats: ["iife"],
      name: "frontdeskProactive",
      fileName: () => "messenger-proactive.js",
    },
  },
});
