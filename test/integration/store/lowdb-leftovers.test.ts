import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Catalog } from "../../../src/content/index.js";
import { LowdbCurriculumRepository, StoreCorruptError } from "../../../src/store/index.js";
import { realCatalog } from "../../support/catalog.js";
import { sampleCurriculum } from "../../support/sample-curriculum.js";

let catalog: Catalog;
let dir: string;
beforeAll(async () => {
  catalog = await realCatalog();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The name lowdb's writer (steno) gives the temporary file of a write to `<id>.json`. */
const tempName = (id: string) => `.${id}.json.tmp`;

/** A closed store in a new `dir` holding two curricula, with the bytes of their files. */
async function storeWithTwo() {
  dir = await mkdtemp(join(tmpdir(), "store-"));
  const store = await LowdbCurriculumRepository.open(dir);
  const saved = [sampleCurriculum(catalog, { title: "first" }), sampleCurriculum(catalog, { title: "second" })];
  for (const c of saved) await store.create(c);
  await store.close();
  const folder = join(dir, "store");
  const bytes = new Map(await Promise.all(saved.map(async (c) => [c.id, await readFile(join(folder, `${c.id}.json`))] as const)));
  return { saved, folder, bytes };
}

describe("the embedded lowdb store at start-up", () => {
  test("when a crash left the writer's temporary files, then opening removes them and only them, and the curricula are intact", async () => {
    const { saved, folder, bytes } = await storeWithTwo();
    // An interrupted rewrite of a stored curriculum (half written) and an interrupted first save of a new one.
    await writeFile(join(folder, tempName(saved[0]!.id)), '{"id": "half a wri');
    await writeFile(join(folder, tempName(randomUUID())), JSON.stringify(sampleCurriculum(catalog)));
    // Look-alikes that are not the writer's leftovers: a subfolder's file, a folder, other dot-files, a file beside the store folder.
    const nested = join(folder, "attic", tempName(randomUUID()));
    await mkdir(join(folder, "attic"));
    await writeFile(nested, "kept");
    const folderLookAlike = tempName(randomUUID());
    await mkdir(join(folder, folderLookAlike));
    await writeFile(join(folder, ".notes.json.tmp"), "kept");
    await writeFile(join(folder, `.${saved[1]!.id}.json.tmp.bak`), "kept");
    const beside = join(dir, tempName(randomUUID()));
    await writeFile(beside, "kept");

    const store = await LowdbCurriculumRepository.open(dir);
    expect((await readdir(folder)).sort()).toEqual(
      [...saved.map((c) => `${c.id}.json`), "attic", folderLookAlike, ".notes.json.tmp", `.${saved[1]!.id}.json.tmp.bak`].sort(),
    );
    expect(await readFile(nested, "utf8")).toBe("kept");
    expect(await readFile(beside, "utf8")).toBe("kept");
    for (const c of saved) {
      expect(await readFile(join(folder, `${c.id}.json`))).toEqual(bytes.get(c.id));
      expect(await store.get(c.id)).toEqual(c);
    }
    expect(await store.list("all")).toHaveLength(2);
    await store.close();
  });

  test("when a stored file is corrupt, then start-up stops and leaves the folder as it was, temporary files included", async () => {
    const { saved, folder } = await storeWithTwo();
    const corrupt = join(folder, `${saved[0]!.id}.json`);
    await writeFile(corrupt, "{ not json");
    const leftover = join(folder, tempName(saved[1]!.id));
    await writeFile(leftover, "{}");
    const before = (await readdir(folder)).sort();

    await expect(LowdbCurriculumRepository.open(dir)).rejects.toBeInstanceOf(StoreCorruptError);
    expect((await readdir(folder)).sort()).toEqual(before);
    expect(await readFile(corrupt, "utf8")).toBe("{ not json");
    expect(await readdir(dir)).not.toContain("store.lock");
  });
});
