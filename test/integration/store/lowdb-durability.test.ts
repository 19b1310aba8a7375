import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Catalog } from "../../../src/content/index.js";
import { LowdbCurriculumRepository, StoreCorruptError, StoreLockedError } from "../../../src/store/index.js";
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

describe("the embedded lowdb store", () => {
  test("when reopened, then every saved curriculum is there", async () => {
    dir = await mkdtemp(join(tmpdir(), "store-"));
    const store = await LowdbCurriculumRepository.open(dir);
    const saved = Array.from({ length: 20 }, (_, i) => sampleCurriculum(catalog, { title: `c${i}` }));
    await Promise.all(saved.map((c) => store.create(c)));
    await store.close();
    const again = await LowdbCurriculumRepository.open(dir);
    expect((await again.list("all")).map((s) => s.id).sort()).toEqual(saved.map((c) => c.id).sort());
    expect(await again.get(saved[3]!.id)).toEqual(saved[3]);
    await again.close();
  });

  test("when the writing process is killed with SIGKILL mid-burst, then every acknowledged save survives in a valid file", async () => {
    dir = await mkdtemp(join(tmpdir(), "store-"));
    const samplePath = join(dir, "sample.json");
    await writeFile(samplePath, JSON.stringify(sampleCurriculum(catalog)));
    const child = spawn(process.execPath, [join(ROOT, "test", "support", "store-burst.mjs"), join(dir, "db"), samplePath], { stdio: ["ignore", "pipe", "inherit"] });
    const acknowledged: string[] = [];
    let buffer = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop()!;
        for (const line of lines) if (line !== "ready") acknowledged.push(line);
        // Kill while writes are in flight, after a good number have been acknowledged.
        if (acknowledged.length >= 150 && child.exitCode === null) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.once("exit", (code) => (acknowledged.length < 150 ? reject(new Error(`burst child exited early (${code})`)) : resolve()));
    });
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode ? resolve(undefined) : child.once("exit", resolve)));

    // The dead writer's lock is stale; the store opens, validates every file, and holds every acknowledged save.
    const store = await LowdbCurriculumRepository.open(join(dir, "db"));
    const stored = new Set((await store.list("all")).map((s) => s.id));
    for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    for (const id of acknowledged.slice(-5)) expect((await store.get(id))?.id).toBe(id);
    // The temporary file of the write the kill interrupted, if any, is gone.
    expect((await readdir(join(dir, "db", "store"))).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    await store.close();
  }, 60_000);

  /** A closed store in a new `dir` holding one curriculum; returns it and its file. */
  async function storeWithOne() {
    dir = await mkdtemp(join(tmpdir(), "store-"));
    const store = await LowdbCurriculumRepository.open(dir);
    const c = sampleCurriculum(catalog);
    await store.create(c);
    await store.close();
    return { c, file: join(dir, "store", `${c.id}.json`) };
  }

  test("when a stored file is corrupt, then opening the store fails naming it, and the file is left as it was", async () => {
    const { c, file } = await storeWithOne();
    const broken = (await readFile(file, "utf8")).slice(0, 500);
    await writeFile(file, broken);

    const error = await LowdbCurriculumRepository.open(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect((error as Error).message).toContain(`${c.id}.json is corrupt: not valid JSON`);
    expect(await readFile(file, "utf8")).toBe(broken);
    expect(await readdir(dir)).not.toContain("store.lock");
  });

  test("when a stored file holds something other than a curriculum, then the message names the field", async () => {
    const { c, file } = await storeWithOne();
    await writeFile(file, JSON.stringify({ ...c, version: "two" }));
    await expect(LowdbCurriculumRepository.open(dir)).rejects.toThrow(/is corrupt: version: /);
  });

  test("when another live process holds the store, then opening it is refused", async () => {
    dir = await mkdtemp(join(tmpdir(), "store-"));
    await writeFile(join(dir, "store.lock"), String(process.ppid));
    await expect(LowdbCurriculumRepository.open(dir)).rejects.toBeInstanceOf(StoreLockedError);
  });
});
