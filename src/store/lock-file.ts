import { readFile, writeFile } from "node:fs/promises";
import { StoreLockedError } from "./store-errors.js";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes an embedded store's single-writer lock: a file holding this process's pid. A lock held by another live
 * process is refused with StoreLockedError; the lock of a process that died (kill -9, power loss) is stale and
 * taken over.
 */
export async function takeLockFile(lockFile: string, dir: string): Promise<void> {
  try {
    await writeFile(lockFile, String(process.pid), { flag: "wx" });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const holder = Number((await readFile(lockFile, "utf8")).trim());
  if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) throw new StoreLockedError(dir, holder);
  await writeFile(lockFile, String(process.pid));
}
