// Runs the unit tests (tests/*.test.ts) with Node's own test runner. Node runs no TypeScript, so
// Vite first compiles each test, with the modules it imports, into one ES module.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = `${root}node_modules/.unit`;
const tests = readdirSync(`${root}tests`).filter((name) => name.endsWith(".test.ts"));
await build({
  root,
  configFile: false,
  logLevel: "warn",
  build: {
    ssr: true,
    outDir,
    emptyOutDir: true,
    minify: false,
    rollupOptions: {
      input: tests.map((name) => `tests/${name}`),
      output: { entryFileNames: "[name].mjs" },
    },
  },
});
const run = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", "--disable-warning=ExperimentalWarning", ...tests.map((name) => `${outDir}/${name.replace(/\.ts$/, ".mjs")}`)],
  { stdio: "inherit" },
);
process.exit(run.status ?? 1);
