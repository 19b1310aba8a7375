import { mkdir, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { curriculumSchema, type Curriculum } from "../domain/index.js";
import { formatPath } from "../content/content-error.js";
import { inScope, StaleVersionError, summarise, type ListScope, type CurriculumRepository, type CurriculumSummary } from "./curriculum-repository.js";
import { KeyLock } from "./key-lock.js";
import { storableCurriculum } from "./storable-record.js";
import { StoreCorruptError, StoreLockedError } from "./store-errors.js";

/** How many curricula the read cache keeps. */
const RECENT_LIMIT = 200;

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** Curriculum ids are UUIDs; anything else never becomes a file name. */
const ID_PATTERN = new RegExp(`^${UUID}$`);

/**
 * The temporary file lowdb's writer (steno) writes before renaming it over `<id>.json`: `.<id>.json.tmp` next to it.
 * One left behind is an interrupted write whose rename never happened, so the real file still holds the last save.
 */
const WRITER_TEMP_FILE = new RegExp(`^\\.${UUID}\\.json\\.tmp$`);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The embedded store: one lowdb JSON file per curriculum under `<dir>/store/`, written atomically (lowdb's
 * writer writes a temporary file and renames it), so a crash leaves either the old or the new file, never half of
 * one, and a save costs the same whether the store holds ten curricula or ten thousand. The list is served from
 * summaries kept in memory and rebuilt from the files at start-up, where every file is validated: a corrupt one
 * stops start-up with its name and is not touched. Nothing is written that would not read back: every create and
 * update is first checked with the same schema (storableCurriculum), and refused with InvalidRecordError otherwise.
 */
export class LowdbCurriculumRepository implements CurriculumRepository {
  private readonly summaries = new Map<string, CurriculumSummary & { version: number }>();
  private readonly locks = new KeyLock();
  /** Recently read or written curricula, so repeated reads skip the file and its validation (this process is the only writer). */
  private readonly recent = new Map<string, Curriculum>();
  private closed = false;

  private constructor(private readonly dir: string) {}

  /**
   * Opens (creating when needed) the store in `dir`, takes its single-writer lock, validates every file and removes
   * the temporary files of writes a crash interrupted.
   */
  static async open(dir: string): Promise<LowdbCurriculumRepository> {
    const store = new LowdbCurriculumRepository(dir);
    await mkdir(store.filesDir, { recursive: true });
    await store.takeLock();
    try {
      await store.load();
      // Only once every file has been validated: a start-up that fails on a corrupt file leaves the folder exactly as it was.
      await store.removeInterruptedWrites();
    } catch (error) {
      await store.releaseLock();
      throw error;
    }
    return store;
  }

  private get filesDir(): string {
    return join(this.dir, "store");
  }

  private get lockFile(): string {
    return join(this.dir, "store.lock");
  }

  private file(id: string): string {
    if (!ID_PATTERN.test(id)) throw new Error(`not a curriculum id: ${JSON.stringify(id)}`);
    return join(this.filesDir, `${id}.json`);
  }

  private async takeLock(): Promise<void> {
    try {
      await writeFile(this.lockFile, String(process.pid), { flag: "wx" });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number((await readFile(this.lockFile, "utf8")).trim());
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) throw new StoreLockedError(this.dir, holder);
    // The lock of a process that died (kill -9, power loss) is stale: take it over.
    await writeFile(this.lockFile, String(process.pid));
  }

  private async releaseLock(): Promise<void> {
    await rm(this.lockFile, { force: true });
  }

  /** Reads and validates one stored file; throws StoreCorruptError naming it when it is not a valid curriculum. */
  private async readValid(path: string): Promise<Curriculum> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new StoreCorruptError(path, `cannot be read (${(error as NodeJS.ErrnoException).code})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new StoreCorruptError(path, `not valid JSON (${(error as Error).message})`);
    }
    const result = curriculumSchema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new StoreCorruptError(path, `${formatPath(issue.path) || "(file)"}: ${issue.message}`);
    }
    return result.data;
  }

  private async load(): Promise<void> {
    // Dot-files are lowdb's temporary files from an interrupted write: the rename never happened, so the old file stands.
    const names = (await readdir(this.filesDir)).filter((n) => n.endsWith(".json") && !n.startsWith("."));
    const queue = [...names];
    const worker = async () => {
      for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
        const path = join(this.filesDir, name);
        const curriculum = await this.readValid(path);
        if (`${curriculum.id}.json` !== name) throw new StoreCorruptError(path, `holds curriculum ${curriculum.id}, not ${name.slice(0, -5)}`);
        this.summaries.set(curriculum.id, { ...summarise(curriculum), version: curriculum.version });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

  /**
   * Deletes the writer's leftover temporary files (see WRITER_TEMP_FILE). Safe only while holding the lock, when no
   * write of ours is in flight. Only regular files directly in the store folder whose names match the pattern go;
   * real curricula, other files and subfolders are never touched.
   */
  private async removeInterruptedWrites(): Promise<void> {
    const entries = await readdir(this.filesDir, { withFileTypes: true });
    const leftovers = entries.filter((entry) => entry.isFile() && WRITER_TEMP_FILE.test(entry.name));
    await Promise.all(leftovers.map((entry) => rm(join(this.filesDir, entry.name), { force: true })));
  }

  /** Writes a curriculum already checked by storableCurriculum. */
  private async write(curriculum: Curriculum): Promise<void> {
    if (this.closed) throw new Error("the curriculum store is closed");
    const db = new Low<Curriculum>(new JSONFile(this.file(curriculum.id)), curriculum);
    db.data = curriculum;
    await db.write();
    this.summaries.set(curriculum.id, { ...summarise(curriculum), version: curriculum.version });
    this.remember(structuredClone(curriculum));
  }

  create(curriculum: Curriculum): Promise<void> {
    return this.locks.run(curriculum.id, async () => {
      if (this.summaries.has(curriculum.id)) throw new Error(`Curriculum ${curriculum.id} already exists`);
      await this.write(storableCurriculum(curriculum));
    });
  }

  private remember(curriculum: Curriculum): void {
    this.recent.delete(curriculum.id);
    this.recent.set(curriculum.id, curriculum);
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value as string);
  }

  async get(id: string): Promise<Curriculum | undefined> {
    if (!this.summaries.has(id)) return undefined;
    const cached = this.recent.get(id);
    // Callers may change what they get: hand out a copy, never the cached object.
    if (cached) return structuredClone(cached);
    const curriculum = await this.readValid(this.file(id));
    this.remember(curriculum);
    return structuredClone(curriculum);
  }

  async list(scope: ListScope): Promise<CurriculumSummary[]> {
    return [...this.summaries.values()]
      .filter((s) => inScope(scope, s.organisationId))
      .map(({ version: _version, ...summary }) => summary)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id));
  }

  update(curriculum: Curriculum, expectedVersion: number): Promise<Curriculum | undefined> {
    return this.locks.run(curriculum.id, async () => {
      const stored = this.summaries.get(curriculum.id);
      if (!stored) return undefined;
      if (stored.version !== expectedVersion) throw new StaleVersionError(curriculum.id, expectedVersion, stored.version);
      const saved = storableCurriculum({ ...curriculum, version: stored.version + 1 });
      await this.write(saved);
      return saved;
    });
  }

  /** Rewrites each unowned curriculum with its new organisation; the version stays (the course itself did not change). */
  async adoptUnowned(organisationId: string): Promise<number> {
    const unowned = [...this.summaries.values()].filter((s) => s.organisationId === undefined).map((s) => s.id);
    let adopted = 0;
    for (const id of unowned) {
      const done = await this.locks.run(id, async () => {
        const summary = this.summaries.get(id);
        if (!summary || summary.organisationId !== undefined) return false;
        const stored = this.recent.get(id) ?? (await this.readValid(this.file(id)));
        await this.write(storableCurriculum({ ...stored, organisationId }));
        return true;
      });
      if (done) adopted++;
    }
    return adopted;
  }

  delete(id: string): Promise<boolean> {
    return this.locks.run(id, async () => {
      if (!this.summaries.has(id)) return false;
      await unlink(this.file(id));
      this.summaries.delete(id);
      this.recent.delete(id);
      return true;
    });
  }

  /**
   * Reads one curriculum from a store folder without taking the writer's lock, for the CLI while a server runs:
   * files are replaced whole by rename, so a reader never sees half a write.
   */
  static async readOne(dir: string, id: string): Promise<Curriculum | undefined> {
    if (!ID_PATTERN.test(id)) return undefined;
    const reader = new LowdbCurriculumRepository(dir);
    try {
      return await reader.readValid(reader.file(id));
    } catch (error) {
      if (error instanceof StoreCorruptError && /ENOENT/.test(error.reason)) return undefined;
      throw error;
    }
  }

  /** Waits for writes in flight, then releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.locks.idle();
    this.closed = true;
    await this.releaseLock();
  }
}
