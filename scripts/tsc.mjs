#!/usr/bin/env node
// Runs the native TypeScript 7 compiler. It is installed under the alias "typescript-native"
// because typescript-eslint still needs the TypeScript 5 API as "typescript".
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve("typescript-native/package.json")), "bin", "tsc");
const result = spawnSync(process.execPath, [tsc, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
