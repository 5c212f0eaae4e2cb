// Runs the unit tests (tests/*.test.ts) with Node's own test runner. Node runs no TypeScript, so
// Vite first compiles each test, with the desk's modules it imports, into one ES module (Vue and
// Pinia stay imports from node_modules). The same runner as the messenger's.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = `${root}node_modules/.unit`;
const tests = readdirSync(`${root}tests`).filter((name) => name.endsWith(".test.ts"));
// One build per test: built together, the modules several tests share went into a chunk that each
// test imported before its own first lines, which put in place the browser globals they read.
for (const [at, name] of tests.entries()) {
  await build({
    root,
    configFile: false,
    logLevel: "warn",
    build: {
      ssr: true,
      outDir,
      emptyOutDir: at === 0,
      minify: false,
      rollupOptions: {
        input: `tests/${name}`,
        output: { entryFileNames: "[name].mjs", inlineDynamicImports: true },
      },
    },
  });
}
const run = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", "--disable-warning=ExperimentalWarning", ...tests.map((name) => `${outDir}/${name.replace(/\.ts$/, ".mjs")}`)],
  { stdio: "inherit" },
);
process.exit(run.status ?? 1);
