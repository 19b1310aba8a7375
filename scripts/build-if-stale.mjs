#!/usr/bin/env node
// `npm start` builds only when a source file is newer than the last build, so a second start is instant.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const stamp = "dist/.build-stamp";

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

const sources = Math.max(newestMtime("src"), newestMtime("test/bench"), statSync("tsconfig.json").mtimeMs, statSync("tsconfig.build.json").mtimeMs);
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  const result = spawnSync(process.execPath, ["scripts/tsc.mjs", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(stamp, new Date().toISOString());
}
