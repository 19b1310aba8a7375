import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, spawnSync } from "node:child_process";
import { appendFile, mkdtemp, readdir, readFile, rm, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeCheck } from "../../../src/cli-store.js";
import type { Catalog } from "../../../src/content/index.js";
import type { Curriculum } from "../../../src/domain/index.js";
import { LowdbAccountRepository, LowdbCurriculumRepository, StaleVersionError, StoreCorruptError } from "../../../src/store/index.js";
import { seedOrganisations } from "../../support/accounts.js";
import { ensureBuilt, ROOT } from "../../support/built.js";
import { realCatalog } from "../../support/catalog.js";
import { sampleCurriculum } from "../../support/sample-curriculum.js";

let catalog: Catalog;
let dir: string;
beforeAll(async () => {
  catalog = await realCatalog();
  ensureBuilt();
}, 120_000);
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const folder = () => join(dir, "store");
const fileOf = (id: string) => join(folder(), `${id}.json`);
const indexFile = () => join(dir, "store-index.json");

/** A whole second, which utimes sets (and restores) exactly: a sub-millisecond mtime would not survive the round trip. */
const PINNED = new Date("2026-06-01T08:00:00Z");

/** A closed store in a new `dir` holding curricula with these titles, and its index written. */
async function closedStore(...titles: string[]): Promise<Curriculum[]> {
  dir = await mkdtemp(join(tmpdir(), "store-"));
  const store = await LowdbCurriculumRepository.open(dir);
  const saved = titles.map((title) => sampleCurriculum(catalog, { title }));
  for (const c of saved) await store.create(c);
  await store.close();
  return saved;
}

/** The index as a test reads it. */
async function readIndex(): Promise<{ format: number; files: Record<string, { size: number; mtimeMs: number; ino: number; version: number; summary: { title: string } }> }> {
  return JSON.parse(await readFile(indexFile(), "utf8"));
}

/** Pins the file's mtime to PINNED and has the store index it so (the file is re-validated since its stamp changed). */
async function pinAndReindex(id: string): Promise<void> {
  await utimes(fileOf(id), PINNED, PINNED);
  const store = await LowdbCurriculumRepository.open(dir);
  await store.close();
  expect((await readIndex()).files[id]?.mtimeMs).toBe(PINNED.getTime());
}

/**
 * Damages a stored file in place the way a bad disk or a careless edit might, keeping its size, mtime and inode:
 * nothing the file system tells at start-up gives it away. Resolves with its bytes now.
 */
async function corruptKeepingStamp(id: string): Promise<Buffer> {
  const file = fileOf(id);
  const before = await stat(file);
  const bytes = await readFile(file);
  bytes[0] = "x".charCodeAt(0);
  await writeFile(file, bytes);
  await utimes(file, PINNED, PINNED);
  const after = await stat(file);
  expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
  return bytes;
}

describe("the embedded lowdb store's index", () => {
  test("when an indexed file is damaged without its stamp changing, then the store opens on the index, and background validation refuses the file without touching it", async () => {
    const [good, bad] = await closedStore("good", "bad");
    await pinAndReindex(bad!.id);
    const damagedBytes = await corruptKeepingStamp(bad!.id);

    const reported: StoreCorruptError[] = [];
    // Without the index this start-up would stop on the damaged file: opening proves the index vouched for it.
    const store = await LowdbCurriculumRepository.open(dir, { onDamaged: (error) => reported.push(error) });
    try {
      expect(await store.whenValidated()).toEqual({ checked: 2, damaged: [fileOf(bad!.id)] });
      expect(reported.map((e) => e.file)).toEqual([fileOf(bad!.id)]);

      const refused = await store.get(bad!.id).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(StoreCorruptError);
      expect((refused as StoreCorruptError).file).toBe(fileOf(bad!.id));
      expect((refused as Error).message).toContain(`${bad!.id}.json is corrupt: not valid JSON`);
      expect((await store.list("all")).map((s) => s.id)).toEqual([good!.id]);
      // Never overwritten nor deleted through the store, nor taken over by a new curriculum of the same id.
      await expect(store.update({ ...bad!, title: "overwrite" }, 1)).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(store.delete(bad!.id)).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(store.create(bad!)).rejects.toThrow(/already exists/);
      expect(await store.get(good!.id)).toEqual(good);
    } finally {
      await store.close();
    }
    expect(await readFile(fileOf(bad!.id))).toEqual(damagedBytes);

    // The damaged file left the index: the next start-up validates it first and stops on it, as without an index.
    expect(Object.keys((await readIndex()).files)).toEqual([good!.id]);
    const error = await LowdbCurriculumRepository.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect((error as StoreCorruptError).file).toBe(fileOf(bad!.id));
    expect(await readFile(fileOf(bad!.id))).toEqual(damagedBytes);
    expect(await readdir(dir)).not.toContain("store.lock");
  });

  test("when a file is damaged before background validation reaches it, then the first read refuses it", async () => {
    const [c] = await closedStore("read first");
    await pinAndReindex(c!.id);
    await corruptKeepingStamp(c!.id);
    const store = await LowdbCurriculumRepository.open(dir);
    try {
      // Its head is refused too: a head vouches for the file as a whole read does.
      await expect(store.head(c!.id)).rejects.toBeInstanceOf(StoreCorruptError);
      await expect(store.get(c!.id)).rejects.toBeInstanceOf(StoreCorruptError);
      expect(await store.list("all")).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test("when a file changed after the index was written is corrupt, then start-up stops naming it and leaves the folder as it was", async () => {
    const [c, other] = await closedStore("changed", "other");
    const broken = (await readFile(fileOf(c!.id), "utf8")).slice(0, 400);
    await writeFile(fileOf(c!.id), broken);
    const before = (await readdir(folder())).sort();
    const indexBefore = await readFile(indexFile());

    const error = await LowdbCurriculumRepository.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect((error as StoreCorruptError).file).toBe(fileOf(c!.id));
    expect((await readdir(folder())).sort()).toEqual(before);
    expect(await readFile(fileOf(c!.id), "utf8")).toBe(broken);
    expect(await readFile(indexFile())).toEqual(indexBefore);
    expect(await readdir(dir)).not.toContain("store.lock");
    expect(other).toBeDefined();
  });

  test("when a valid curriculum file the index does not know is dropped in, then it is validated and listed; a misnamed one stops start-up", async () => {
    const [c] = await closedStore("indexed");
    const foreign = sampleCurriculum(catalog, { title: "dropped in" });
    await writeFile(fileOf(foreign.id), JSON.stringify(foreign));

    const store = await LowdbCurriculumRepository.open(dir);
    try {
      expect((await store.list("all")).map((s) => s.title).sort()).toEqual(["dropped in", "indexed"]);
      expect(await store.get(foreign.id)).toEqual(foreign);
      expect(await store.whenValidated()).toEqual({ checked: 2, damaged: [] });
    } finally {
      await store.close();
    }
    expect(Object.keys((await readIndex()).files).sort()).toEqual([c!.id, foreign.id].sort());

    // A valid curriculum under another id's name is not used: start-up stops on it, as without an index.
    const misnamed = sampleCurriculum(catalog);
    await writeFile(fileOf(sampleCurriculum(catalog).id), JSON.stringify(misnamed));
    await expect(LowdbCurriculumRepository.open(dir)).rejects.toThrow(/holds curriculum/);
  });

  test("when a file was deleted while the store was closed, then it drops out of the list and the index", async () => {
    const [kept, gone] = await closedStore("kept", "gone");
    await unlink(fileOf(gone!.id));
    const store = await LowdbCurriculumRepository.open(dir);
    try {
      expect((await store.list("all")).map((s) => s.id)).toEqual([kept!.id]);
      expect(await store.get(gone!.id)).toBeUndefined();
    } finally {
      await store.close();
    }
    expect(Object.keys((await readIndex()).files)).toEqual([kept!.id]);
  });

  test.each([
    ["missing", () => rm(indexFile())],
    ["not JSON", () => writeFile(indexFile(), '{"format": 1, "files": {')],
    ["of another shape", () => writeFile(indexFile(), JSON.stringify({ format: 1, files: { a: 1 } }))],
    ["of another format", async () => writeFile(indexFile(), JSON.stringify({ ...(await readIndex()), format: 99 }))],
  ])("when the index is %s, then start-up reads every file: valid ones open, a damaged one stops it", async (_what, spoil) => {
    const [a, b] = await closedStore("a", "b");
    await spoil();
    const store = await LowdbCurriculumRepository.open(dir);
    try {
      expect((await store.list("all")).map((s) => s.title).sort()).toEqual(["a", "b"]);
      expect(await store.whenValidated()).toEqual({ checked: 2, damaged: [] });
    } finally {
      await store.close();
    }
    // The index is written again on close.
    expect(Object.keys((await readIndex()).files).sort()).toEqual([a!.id, b!.id].sort());

    // A damage the stamp does not show, which only reading the file finds: without a usable index, start-up finds it.
    await pinAndReindex(b!.id);
    await corruptKeepingStamp(b!.id);
    await spoil();
    const error = await LowdbCurriculumRepository.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect((error as StoreCorruptError).file).toBe(fileOf(b!.id));
  });

  test("when the writing process was killed before it wrote the index, then start-up lists the latest saves, not the index's", async () => {
    const [edited, deleted, untouched] = await closedStore("edited", "deleted", "untouched");
    const created = sampleCurriculum(catalog, { title: "created after the index" });
    const createdFile = join(dir, "created.json");
    await writeFile(createdFile, JSON.stringify(created));
    const script = `
      const { readFileSync } = await import("node:fs");
      const { LowdbCurriculumRepository } = await import(${JSON.stringify(join(ROOT, "dist", "src", "store", "index.js"))});
      const [dir, editedId, deletedId, createdFile] = process.argv.slice(1);
      const store = await LowdbCurriculumRepository.open(dir);
      const edited = await store.get(editedId);
      await store.update({ ...edited, title: "edited once" }, 1);
      await store.update({ ...edited, title: "edited twice" }, 2);
      await store.delete(deletedId);
      await store.create(JSON.parse(readFileSync(createdFile, "utf8")));
      process.stdout.write("saved\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, dir, edited!.id, deleted!.id, createdFile], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("saved")) {
          // At once: well before the index's write, due a second after the last save.
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.once("exit", (code) => reject(new Error(`the child exited before saving (${code})`)));
    });
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode ? resolve(undefined) : child.once("exit", resolve)));
    // The index on disk is the one from before the child's saves.
    const stale = await readIndex();
    expect(stale.files[edited!.id]).toMatchObject({ version: 1, summary: { title: "edited" } });
    expect(Object.keys(stale.files)).toContain(deleted!.id);
    expect(Object.keys(stale.files)).not.toContain(created.id);

    const store = await LowdbCurriculumRepository.open(dir);
    try {
      const listed = await store.list("all");
      expect(listed.map((s) => s.title).sort()).toEqual(["created after the index", "edited twice", "untouched"]);
      expect((await store.get(edited!.id))?.version).toBe(3);
      expect(await store.get(deleted!.id)).toBeUndefined();
      expect((await store.update({ ...(await store.get(edited!.id))!, title: "edited again" }, 3))?.version).toBe(4);
      expect(await store.get(untouched!.id)).toEqual(untouched);
    } finally {
      await store.close();
    }
    expect((await readIndex()).files[edited!.id]).toMatchObject({ version: 4, summary: { title: "edited again" } });
  }, 60_000);

  test("when the index is wrong about a file whose stamp matches, then the file wins: versions are checked against it and the list is corrected", async () => {
    const [c] = await closedStore("true title");
    const index = await readIndex();
    index.files[c!.id]!.version = 7;
    index.files[c!.id]!.summary.title = "what the index says";
    await writeFile(indexFile(), JSON.stringify(index));

    let store = await LowdbCurriculumRepository.open(dir);
    try {
      // An edit against the index's version is refused: the update validates the file first.
      const stale = await store.update({ ...c!, title: "edit" }, 7).catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(StaleVersionError);
      expect((stale as StaleVersionError).actual).toBe(1);
    } finally {
      await store.close();
    }

    await writeFile(indexFile(), JSON.stringify(index));
    store = await LowdbCurriculumRepository.open(dir);
    try {
      await store.whenValidated();
      expect((await store.list("all")).map((s) => s.title)).toEqual(["true title"]);
    } finally {
      await store.close();
    }
    expect((await readIndex()).files[c!.id]).toMatchObject({ version: 1, summary: { title: "true title" } });
  });

  test("when saves follow each other, then the index is written once they stop, not on every save", async () => {
    dir = await mkdtemp(join(tmpdir(), "store-"));
    const store = await LowdbCurriculumRepository.open(dir);
    try {
      const c = sampleCurriculum(catalog);
      await store.create(c);
      await expect(stat(indexFile())).rejects.toThrow(/ENOENT/);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(Object.keys((await readIndex()).files)).toEqual([c.id]);
    } finally {
      await store.close();
    }
  });
});

describe("npm run cli -- store check", () => {
  /** A store with curricula and account files (an organisation, people, sessions, audit events), closed. */
  async function fullStore(): Promise<Curriculum[]> {
    const saved = await closedStore("one", "two");
    const store = await LowdbCurriculumRepository.open(dir);
    const accounts = await LowdbAccountRepository.open(dir);
    try {
      await seedOrganisations({ accounts, store });
    } finally {
      await accounts.close();
      await store.close();
    }
    return saved;
  }

  function cli(...args: string[]) {
    const result = spawnSync(process.execPath, [join(ROOT, "dist", "src", "cli.js"), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CURRICULA_DIR: dir } });
    return { code: result.status, out: result.stdout, err: result.stderr };
  }

  test("when every file is valid, then it says so, also while the store is open elsewhere", async () => {
    await fullStore();
    // A torn last audit line (an append a crash cut short) is what start-up drops, not damage.
    await appendFile(join(dir, "accounts", "audit.jsonl"), '{"id": "half an ev');
    const store = await LowdbCurriculumRepository.open(dir);
    try {
      expect(await storeCheck(dir)).toEqual({ checked: 2, damaged: [] });
      const run = cli("store", "check");
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
      expect(run.out).toBe("Checked 2 curricula and the account files: all valid.\n");
    } finally {
      await store.close();
    }
  });

  test("when files are damaged, then each is named with its reason and it exits 1, touching nothing", async () => {
    const [one] = await fullStore();
    await pinAndReindex(one!.id);
    // Even a damage the index cannot see: the check reads every file.
    await corruptKeepingStamp(one!.id);
    const accountsFile = join(dir, "accounts", "accounts.json");
    const accounts = JSON.parse(await readFile(accountsFile, "utf8"));
    accounts.users[0].email = "not an email";
    await writeFile(accountsFile, JSON.stringify(accounts));
    await appendFile(join(dir, "accounts", "audit.jsonl"), "not an event\n");
    const before = new Map<string, Buffer>();
    for (const name of await readdir(folder())) before.set(name, await readFile(join(folder(), name)));

    const { checked, damaged } = await storeCheck(dir);
    expect(checked).toBe(2);
    expect(damaged).toEqual([
      { file: accountsFile, reason: expect.stringMatching(/^users\[0\]\.email: /) },
      { file: join(dir, "accounts", "audit.jsonl"), reason: expect.stringMatching(/^line \d+: not valid JSON/) },
      { file: fileOf(one!.id), reason: expect.stringMatching(/^not valid JSON/) },
    ]);

    const run = cli("store", "check");
    expect(run.code).toBe(1);
    expect(run.out).toBe("");
    const lines = run.err.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(new RegExp(`^${fileOf(one!.id)}: not valid JSON`));
    for (const [name, bytes] of before) expect(await readFile(join(folder(), name))).toEqual(bytes);

    expect(cli("store", "frobnicate").code).toBe(2);
  });
});
