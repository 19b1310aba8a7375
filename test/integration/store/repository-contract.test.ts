import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Catalog } from "../../../src/content/index.js";
import type { Curriculum } from "../../../src/domain/index.js";
import { DamagedRecordError, InvalidRecordError, LowdbCurriculumRepository, MemoryCurriculumRepository, PostgresStore, StaleVersionError, type CurriculumRepository } from "../../../src/store/index.js";
import pg from "pg";
import { postgresForTests } from "../../support/postgres.js";
import { realCatalog } from "../../support/catalog.js";
import { sampleCurriculum } from "../../support/sample-curriculum.js";

let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
});

const opened: { store: CurriculumRepository; dir?: string }[] = [];
const postgres = postgresForTests();
afterEach(async () => {
  for (const { store, dir } of opened.splice(0)) {
    await store.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
  await postgres.closeTracked();
});
afterAll(() => postgres.destroy());

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
  ...(postgres.skipReason
    ? []
    : ([["postgresql", async () => {
        const { store } = await PostgresStore.open(await postgres.newDatabase());
        postgres.track(store);
        opened.push({ store: store.curricula });
        return store.curricula;
      }]] as [string, () => Promise<CurriculumRepository>][])),
];

if (postgres.skipReason) test.skip(`the postgresql curriculum repository (skipped: ${postgres.skipReason})`, () => {});

/** The folder of a lowdb store opened by a test; undefined for the memory store. */
function dirOf(store: CurriculumRepository): string | undefined {
  return opened.find((o) => o.store === store)?.dir;
}

/** Every file of a lowdb store folder with its bytes, to prove a refused write changed nothing; empty for the memory store. */
async function filesOf(store: CurriculumRepository): Promise<Map<string, Buffer>> {
  const dir = dirOf(store);
  const files = new Map<string, Buffer>();
  if (!dir) return files;
  const folder = join(dir, "store");
  for (const name of await readdir(folder)) files.set(name, await readFile(join(folder, name)));
  return files;
}

/** Curricula the schema refuses, each with the path an issue must name. Version 0 only matters on create: update sets the version. */
const refusedEdits: [string, string, (c: Curriculum) => Curriculum][] = [
  ["a title of 300 characters", "spec.title", (c) => ({ ...c, title: "x".repeat(300), spec: { ...c.spec, title: "x".repeat(300) } })],
  ["a session of 0 minutes", "sessions[0].minutes", (c) => ({ ...c, sessions: c.sessions.map((s, i) => (i === 0 ? { ...s, minutes: 0 } : s)) })],
  ["NaN in the totals", "totals.practicalShare", (c) => ({ ...c, totals: { ...c.totals, practicalShare: Number.NaN } })],
  ["Infinity in the totals", "totals.practicalShare", (c) => ({ ...c, totals: { ...c.totals, practicalShare: Number.POSITIVE_INFINITY } })],
  // Passes the schema, but its JSON reads back as 0: the file would not hold what was acknowledged.
  ["-0 in the totals", "totals.practicalShare", (c) => ({ ...c, totals: { ...c.totals, practicalShare: -0 } })],
];
const refusedCreates: typeof refusedEdits = [...refusedEdits, ["version 0", "version", (c) => ({ ...c, version: 0 })]];

describe.each(implementations)("the %s curriculum repository", (_name, open) => {
  test("when a curriculum is created, then it reads back equal and is listed", async () => {
    const store = await open();
    const c = sampleCurriculum(catalog, { title: "Depot course" });
    await store.create(c);
    expect(await store.get(c.id)).toEqual(c);
    expect(await store.list("all")).toEqual([expect.objectContaining({ id: c.id, title: "Depot course", sector: "postal", totalHours: 8 })]);
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

  test("when a curriculum's head is read, then it names the stored version, organisation and title, through every change", async () => {
    const store = await open();
    const organisationId = "5a0c2f0e-1d2b-4c3d-8e4f-567890abcdef";
    const c = { ...sampleCurriculum(catalog, { title: "Depot course" }), organisationId };
    await store.create(c);
    expect(await store.head(c.id)).toEqual({ id: c.id, version: 1, organisationId, title: "Depot course" });
    const saved = await store.update({ ...c, title: "Renamed" }, 1);
    expect(await store.head(c.id)).toEqual({ id: c.id, version: 2, organisationId, title: "Renamed" });
    expect(saved?.version).toBe(2);
    const unowned = sampleCurriculum(catalog, { title: "From before accounts" });
    await store.create(unowned);
    expect(await store.head(unowned.id)).toEqual({ id: unowned.id, version: 1, title: "From before accounts" });
    await store.adoptUnowned(organisationId);
    expect((await store.head(unowned.id))?.organisationId).toBe(organisationId);
    await store.delete(c.id);
    expect(await store.head(c.id)).toBeUndefined();
    expect(await store.head("00000000-0000-4000-8000-000000000000")).toBeUndefined();
  });

  test("when two edits race from the same version, then exactly one wins", async () => {
    const store = await open();
    const c = sampleCurriculum(catalog);
    await store.create(c);
    const results = await Promise.allSettled([store.update({ ...c, title: "A" }, 1), store.update({ ...c, title: "B" }, 1)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
  });

  test("when curricula from before accounts are adopted, then they join that organisation, keep their version, and each organisation lists only its own", async () => {
    const store = await open();
    const ours = "5a0c2f0e-1d2b-4c3d-8e4f-567890abcdef";
    const theirs = "6b1d3e1f-2e3c-4d4e-9f50-678901bcdef0";
    const old = [sampleCurriculum(catalog, { title: "Old one" }), sampleCurriculum(catalog, { title: "Old two" })];
    for (const c of old) await store.create(c);
    await store.create({ ...sampleCurriculum(catalog, { title: "Theirs" }), organisationId: theirs });
    expect(await store.adoptUnowned(ours)).toBe(2);
    expect(await store.adoptUnowned(ours)).toBe(0);
    const listed = await store.list({ organisationId: ours });
    expect(listed.map((s) => s.title).sort()).toEqual(["Old one", "Old two"]);
    expect(listed.every((s) => s.organisationId === ours)).toBe(true);
    const adopted = (await store.get(old[0]!.id))!;
    expect(adopted).toMatchObject({ organisationId: ours, version: old[0]!.version });
    expect((await store.list({ organisationId: theirs })).map((s) => s.title)).toEqual(["Theirs"]);
    expect(await store.list("all")).toHaveLength(3);
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
    const listed = (await store.list("all")).map((s) => s.id).sort();
    expect(listed).toEqual([...ids].sort());
  });

  test("when a curriculum is stored, then what is kept is the schema's output, not the raw input", async () => {
    const store = await open();
    const c = sampleCurriculum(catalog);
    await store.create({ ...c, spec: { ...c.spec, title: "  Padded title  " } });
    expect((await store.get(c.id))?.spec.title).toBe("Padded title");
  });

  /** Checks that a refused write left the store as `before`: same answers, same bytes, and a lowdb store still opens. */
  async function expectUnchanged(store: CurriculumRepository, before: { files: Map<string, Buffer>; stored: Curriculum; absentId?: string }) {
    expect(await store.get(before.stored.id)).toEqual(before.stored);
    if (before.absentId) expect(await store.get(before.absentId)).toBeUndefined();
    expect((await store.list("all")).map((s) => s.id)).toEqual([before.stored.id]);
    expect(await filesOf(store)).toEqual(before.files);
    const dir = dirOf(store);
    if (dir) {
      await store.close();
      const again = await LowdbCurriculumRepository.open(dir);
      expect(await again.get(before.stored.id)).toEqual(before.stored);
      await again.close();
    }
  }

  test.each(refusedCreates)("when a curriculum with %s is created, then it is refused with InvalidRecordError naming %s, and nothing is written", async (_case, path, spoil) => {
    const store = await open();
    const stored = sampleCurriculum(catalog);
    await store.create(stored);
    const files = await filesOf(store);
    const bad = spoil(sampleCurriculum(catalog));

    const error = await store.create(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as InvalidRecordError).issues).toContainEqual({ path, message: expect.any(String) });
    expect((error as Error).message).toContain(path);
    await expectUnchanged(store, { files, stored, absentId: bad.id });
  });

  test.each(refusedEdits)("when a curriculum is updated to %s, then it is refused with InvalidRecordError naming %s, and the stored version stands", async (_case, path, spoil) => {
    const store = await open();
    const c = sampleCurriculum(catalog);
    await store.create(c);
    const stored = await store.update({ ...c, title: "Second version" }, 1);
    const files = await filesOf(store);

    const error = await store.update(spoil(stored!), 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as InvalidRecordError).issues).toContainEqual({ path, message: expect.any(String) });
    expect((await store.get(c.id))?.version).toBe(2);
    await expectUnchanged(store, { files, stored: stored! });
  });
});

describe("the postgresql curriculum repository and damaged rows", () => {
  const run = postgres.skipReason ? test.skip : test;
  run("when a row's body was damaged in the database, then a whole read and a head read refuse it by name, and the row stays as it was", async () => {
    const url = await postgres.newDatabase();
    const { store } = await PostgresStore.open(url);
    postgres.track(store);
    const c = sampleCurriculum(catalog, { title: "Damaged later" });
    await store.curricula.create(c);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("UPDATE curricula SET body = body - 'title' || '{\"sessions\": 7}' WHERE id = $1", [c.id]);
      const whole = await store.curricula.get(c.id).catch((e: unknown) => e);
      expect(whole).toBeInstanceOf(DamagedRecordError);
      expect((whole as Error).message).toContain(`curricula/${c.id}`);
      const head = await store.curricula.head(c.id).catch((e: unknown) => e);
      expect(head).toBeInstanceOf(DamagedRecordError);
      expect((head as Error).message).toContain("title");
      const { rows } = await client.query<{ body: { sessions: unknown; title?: string } }>("SELECT body FROM curricula WHERE id = $1", [c.id]);
      expect(rows[0]!.body.sessions).toBe(7);
    } finally {
      await client.end();
    }
  });
});
