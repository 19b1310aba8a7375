import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Catalog } from "../../../src/content/index.js";
import { LowdbCurriculumRepository, MemoryCurriculumRepository, StaleVersionError, type CurriculumRepository } from "../../../src/store/index.js";
import { realCatalog } from "../../support/catalog.js";
import { sampleCurriculum } from "../../support/sample-curriculum.js";

let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
});

const opened: { store: CurriculumRepository; dir?: string }[] = [];
afterEach(async () => {
  for (const { store, dir } of opened.splice(0)) {
    await store.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

const implementations: [string, () => Promise<CurriculumRepository>][] = [
  ["memory", async () => {
    const store = new MemoryCurriculumRepository();
    opened.push({ store });
    return store;
  }],
  ["lowdb", async () => {
    const dir = await mkdtemp(join(tmpdir(), "store-"));
    const store = await LowdbCurriculumRepository.open(dir);
    opened.push({ store, dir });
    return store;
  }],
];

describe.each(implementations)("the %s curriculum repository", (_name, open) => {
  test("when a curriculum is created, then it reads back equal and is listed", async () => {
    const store = await open();
    const c = sampleCurriculum(catalog, { title: "Depot course" });
    await store.create(c);
    expect(await store.get(c.id)).toEqual(c);
    expect(await store.list()).toEqual([expect.objectContaining({ id: c.id, title: "Depot course", sector: "postal", totalHours: 8 })]);
  });

  test("when an edit names the stored version, then it saves as the next version; an edit against an old version is refused", async () => {
    const store = await open();
    const c = sampleCurriculum(catalog);
    await store.create(c);
    const saved = await store.update({ ...c, title: "Renamed" }, 1);
    expect(saved?.version).toBe(2);
    await expect(store.update({ ...c, title: "Lost update" }, 1)).rejects.toBeInstanceOf(StaleVersionError);
    expect((await store.get(c.id))?.title).toBe("Renamed");
  });

  test("when two edits race from the same version, then exactly one wins", async () => {
    const store = await open();
    const c = sampleCurriculum(catalog);
    await store.create(c);
    const results = await Promise.allSettled([store.update({ ...c, title: "A" }, 1), store.update({ ...c, title: "B" }, 1)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
  });

  test("when deleted, then it is gone; an unknown id reads as undefined", async () => {
    const store = await open();
    const c = sampleCurriculum(catalog);
    await store.create(c);
    expect(await store.delete(c.id)).toBe(true);
    expect(await store.get(c.id)).toBeUndefined();
    expect(await store.delete(c.id)).toBe(false);
    expect(await store.update(c, 1)).toBeUndefined();
  });

  test("when 200 saves run at once, then all 200 land", async () => {
    const store = await open();
    const base = sampleCurriculum(catalog);
    const ids = Array.from({ length: 200 }, (_, i) => `${base.id.slice(0, -4)}${String(i).padStart(4, "0")}`);
    await Promise.all(ids.map((id, i) => store.create({ ...base, id, title: `course ${i}` })));
    const listed = (await store.list()).map((s) => s.id).sort();
    expect(listed).toEqual([...ids].sort());
  });
});
