// The recommended rules of ESLint, typescript-eslint and eslint-plugin-vue: mistakes and risky
// patterns, not layout (the templates keep the layout they have; no formatter is imposed).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import vue from "eslint-plugin-vue";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["dist/", "src/api/schema.d.ts"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  vue.configs["flat/recommended"],
  vue.configs["no-layout-rules"],
  {
    files: ["**/*.vue"],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  // Names are checked by vue-tsc, which knows the browser's and Node's globals.
  { rules: { "no-undef": "off" } },
);
