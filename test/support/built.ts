import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../../src/config.js";

export const ROOT = projectRoot();

/** Builds dist/ when a source is newer (tests that run the real CLI or server use the built code, as users do). */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-if-stale.mjs")], { cwd: ROOT, stdio: "pipe" });
}
