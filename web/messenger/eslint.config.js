// The recommended rules of ESLint and typescript-eslint: mistakes and risky patterns, not layout.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["dist/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  // Names are checked by tsc, which knows the browser's and Node's globals.
  { rules: { "no-undef": "off" } },
);
