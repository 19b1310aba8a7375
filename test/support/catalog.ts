import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../../src/config.js";
import { loadCatalog, type Catalog } from "../../src/content/index.js";

export const CONTENT_DIR = join(projectRoot(), "content");

let shared: Promise<Catalog> | undefined;

/** The project's real content, loaded once per test file. */
export function realCatalog(): Promise<Catalog> {
  shared ??= loadCatalog(CONTENT_DIR);
  return shared;
}

/** A scratch copy of content/ that a test may break; remove it with `dispose`. */
export async function scratchContent(): Promise<{ dir: string; edit: (file: string, change: (json: any) => unknown) => Promise<void>; write: (file: string, text: string) => Promise<void>; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "content-"));
  await cp(CONTENT_DIR, dir, { recursive: true });
  return {
    dir,
    async edit(file, change) {
      const path = join(dir, file);
      const json = JSON.parse(await readFile(path, "utf8"));
      const replaced = change(json);
      await writeFile(path, JSON.stringify(replaced ?? json, null, 2));
    },
    async write(file, text) {
      await writeFile(join(dir, file), text);
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
