import { mkdir, readdir, readFile, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { curriculumSchema, type Curriculum } from "../domain/index.js";
import { formatPath } from "../content/content-error.js";
import { inScope, StaleVersionError, summarise, type ListScope, type CurriculumHead, type CurriculumRepository, type CurriculumSummary } from "./curriculum-repository.js";
import { KeyLock } from "./key-lock.js";
import { storableCurriculum } from "./storable-record.js";
import { takeLockFile } from "./lock-file.js";
import { StoreCorruptError } from "./store-errors.js";
import { indexTempFile, normalSummary, readStoreIndex, sameStamp, stampOf, writeStoreIndex, type FileStamp, type IndexEntry } from "./store-index.js";

/** How many curricula the read cache keeps. */
const RECENT_LIMIT = 200;
/** How many files start-up reads at once when it must validate them before opening. */
const OPEN_WORKERS = 8;
/** How many files the background validation reads at once: few, so requests keep the upper hand. */
const BACKGROUND_WORKERS = 2;
/** The index is written this long after the last save... */
const INDEX_DEBOUNCE_MS = 1_000;
/** ...but no later than this after the first save it has not recorded yet, however busy the store is. */
const INDEX_MAX_DELAY_MS = 5_000;

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** Curriculum ids are UUIDs; anything else never becomes a file name. */
const ID_PATTERN = new RegExp(`^${UUID}$`);

/**
 * The temporary file lowdb's writer (steno) writes before renaming it over `<id>.json`: `.<id>.json.tmp` next to it.
 * One left behind is an interrupted write whose rename never happened, so the real file still holds the last save.
 */
const WRITER_TEMP_FILE = new RegExp(`^\\.${UUID}\\.json\\.tmp$`);

/**
 * The files of a store folder start-up reads as curricula: every `.json` file except dot-files (lowdb's temporary
 * files). A name that is not `<uuid>.json` is read too, and refused: it cannot hold the curriculum its name says.
 */
export function isCurriculumFileName(name: string): boolean {
  return name.endsWith(".json") && !name.startsWith(".");
}

/** Reads and validates one stored file; throws StoreCorruptError naming it when it is not a valid curriculum. */
async function readValid(path: string): Promise<Curriculum> {
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

/**
 * Reads and validates the stored file `<folder>/<name>` exactly as start-up does: a valid curriculum whose id is the
 * file's name. Throws StoreCorruptError naming the file otherwise (a file that cannot be read gives a reason ending
 * in its error code, e.g. "cannot be read (ENOENT)"). Read-only: usable while a server writes the store.
 */
export async function readCurriculumFile(folder: string, name: string): Promise<Curriculum> {
  const path = join(folder, name);
  const curriculum = await readValid(path);
  if (`${curriculum.id}.json` !== name) throw new StoreCorruptError(path, `holds curriculum ${curriculum.id}, not ${name.slice(0, -5)}`);
  return curriculum;
}

/**
 * What the store knows of one curriculum file:
 * - valid: its contents were validated since start-up (or written by this process), and the summary is from them;
 * - pending: its summary comes from the index and its contents have not been validated yet (background validation
 *   or the first read, update, delete or adoption will);
 * - damaged: validation refused it; it is neither listed nor served, written nor deleted, and not indexed.
 */
interface Entry {
  summary: CurriculumSummary;
  version: number;
  /** The file's stamp when the summary was taken from it; undefined when unknown (then the index leaves it out). */
  stamp: FileStamp | undefined;
  state: "valid" | "pending" | "damaged";
  damage?: StoreCorruptError;
}

export interface OpenOptions {
  /** Called when a file opened on the index's word turns out damaged (background validation or a first read). */
  onDamaged?: (error: StoreCorruptError) => void;
}

/** What background validation found: how many files present at start-up were validated, and the damaged ones. */
export interface ValidationReport {
  checked: number;
  damaged: string[];
}

/**
 * The embedded store: one lowdb JSON file per curriculum under `<dir>/store/`, written atomically (lowdb's
 * writer writes a temporary file and renames it), so a crash leaves either the old or the new file, never half of
 * one, and a save costs the same whether the store holds ten curricula or ten thousand. The list is served from
 * summaries kept in memory. Nothing is written that would not read back: every create and update is first checked
 * with the same schema (storableCurriculum), and refused with InvalidRecordError otherwise.
 *
 * Start-up is fast because of an index, `<dir>/store-index.json` (beside the store folder, so nothing in it is ever
 * taken for a curriculum): the summary, version and stamp (size, mtime, inode) of every file, written whole (temp +
 * rename) at most a second after the last save and on close. At start-up:
 * - a file whose stamp matches its index entry is listed from the index at once, and validated in the background;
 * - a file the index lacks or whose stamp differs (a save after the index's last write, a crash, a foreign file)
 *   is read and validated before start-up completes: a corrupt one stops it with StoreCorruptError naming the file,
 *   and nothing is touched, as without an index;
 * - index entries whose file is gone are dropped; without a usable index every file is validated (the full scan).
 * A file found damaged in the background is refused by `get`, `update` and `delete` with StoreCorruptError naming
 * it, left out of the list and of the index (so the next start-up validates it first and stops), and never written.
 * Until its file has been validated, a curriculum's version is not trusted: update, delete and adoption validate it
 * first. `whenValidated()` tells when the background pass is done.
 */
export class LowdbCurriculumRepository implements CurriculumRepository {
  private readonly entries = new Map<string, Entry>();
  private readonly locks = new KeyLock();
  /** Recently read or written curricula, so repeated reads skip the file and its validation (this process is the only writer). */
  private readonly recent = new Map<string, Curriculum>();
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Background validation: set to stop it, and the promise of its end. */
  private stopping = false;
  private validation: Promise<void> = Promise.resolve();
  /** Files present at start-up whose contents have been validated (at start-up, in the background or on first use). */
  private checked = 0;
  /** The index on disk lags behind memory; the pending flush timer, since when it lags, and the flush in progress. */
  private indexDirty = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private dirtySince: number | undefined;
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly options: OpenOptions = {},
  ) {}

  /**
   * Opens (creating when needed) the store in `dir`, takes its single-writer lock, validates the files the index
   * does not vouch for, removes the temporary files of writes a crash interrupted, and starts validating the rest
   * in the background.
   */
  static async open(dir: string, options: OpenOptions = {}): Promise<LowdbCurriculumRepository> {
    const store = new LowdbCurriculumRepository(dir, options);
    await mkdir(store.filesDir, { recursive: true });
    await store.takeLock();
    let pending: string[];
    try {
      pending = await store.load();
      // Only once every file not vouched for has been validated: a start-up that fails on a corrupt file leaves the folder exactly as it was.
      await store.removeInterruptedWrites();
    } catch (error) {
      await store.releaseLock();
      throw error;
    }
    store.validateInBackground(pending);
    if (store.indexDirty) store.scheduleIndexFlush();
    return store;
  }

  private get filesDir(): string {
    return join(this.dir, "store");
  }

  private get lockFile(): string {
    return join(this.dir, "store.lock");
  }

  private get indexFile(): string {
    return join(this.dir, "store-index.json");
  }

  private file(id: string): string {
    if (!ID_PATTERN.test(id)) throw new Error(`not a curriculum id: ${JSON.stringify(id)}`);
    return join(this.filesDir, `${id}.json`);
  }

  private async takeLock(): Promise<void> {
    await takeLockFile(this.lockFile, this.dir);
  }

  private async releaseLock(): Promise<void> {
    await rm(this.lockFile, { force: true });
  }

  /**
   * Builds the entries from the index and the folder; validates now every file the index does not vouch for.
   * Resolves with the ids listed on the index's word, for background validation.
   */
  private async load(): Promise<string[]> {
    const index = await readStoreIndex(this.indexFile);
    const names = (await readdir(this.filesDir)).filter(isCurriculumFileName);
    // Each stamp is taken before the file is read, so a stamp never vouches for contents newer than the ones summarised.
    const stamps = await this.stampAll(names);
    const pending: string[] = [];
    const toValidate: string[] = [];
    for (const name of names) {
      const id = name.slice(0, -5);
      const indexed: IndexEntry | undefined = ID_PATTERN.test(id) ? index?.get(id) : undefined;
      const stamp = stamps.get(name);
      if (indexed && stamp && sameStamp(indexed.stamp, stamp)) {
        this.entries.set(id, { summary: indexed.summary, version: indexed.version, stamp, state: "pending" });
        pending.push(id);
      } else {
        toValidate.push(name);
      }
    }
    // Files the index lacks or got wrong, and entries whose file is gone, make the index out of date.
    this.indexDirty = !index || toValidate.length > 0 || index.size !== pending.length;

    const queue = [...toValidate];
    const worker = async () => {
      for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
        const curriculum = await readCurriculumFile(this.filesDir, name);
        this.entries.set(curriculum.id, { summary: summarise(curriculum), version: curriculum.version, stamp: stamps.get(name), state: "valid" });
        this.checked++;
      }
    };
    await Promise.all(Array.from({ length: OPEN_WORKERS }, worker));
    return pending;
  }

  /** The stamps of the named files of the store folder (regular files only; others get none, and are validated). */
  private async stampAll(names: readonly string[]): Promise<Map<string, FileStamp>> {
    const stamps = new Map<string, FileStamp>();
    const queue = [...names];
    const worker = async () => {
      for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
        const stats = await stat(join(this.filesDir, name)).catch(() => undefined);
        if (stats?.isFile()) stamps.set(name, stampOf(stats));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return stamps;
  }

  /**
   * Deletes the writer's leftover temporary files (see WRITER_TEMP_FILE) and the index's. Safe only while holding
   * the lock, when no write of ours is in flight. Only regular files directly in the store folder whose names match
   * the pattern go; real curricula, other files and subfolders are never touched.
   */
  private async removeInterruptedWrites(): Promise<void> {
    const entries = await readdir(this.filesDir, { withFileTypes: true });
    const leftovers = entries.filter((entry) => entry.isFile() && WRITER_TEMP_FILE.test(entry.name));
    await Promise.all(leftovers.map((entry) => rm(join(this.filesDir, entry.name), { force: true })));
    const indexTemp = indexTempFile(this.indexFile);
    if ((await stat(indexTemp).catch(() => undefined))?.isFile()) await rm(indexTemp, { force: true });
  }

  /** Validates, a few at a time and between other work, the files listed on the index's word. */
  private validateInBackground(ids: readonly string[]): void {
    let next = 0;
    const worker = async () => {
      while (!this.stopping && next < ids.length) {
        const id = ids[next++]!;
        await this.locks.run(id, async () => {
          const entry = this.entries.get(id);
          // Already validated by a read or update, or deleted; a damaged file has been reported where it was found.
          if (entry?.state === "pending") await this.validated(id, entry).catch(() => undefined);
        });
        // Let requests in between files.
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    this.validation = Promise.all(Array.from({ length: BACKGROUND_WORKERS }, worker)).then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Reads and validates a curriculum's file (the caller holds its key lock). A pending entry becomes valid, its
   * summary and version now from the file; a refused file becomes damaged. Throws StoreCorruptError for a damaged one.
   */
  private async validated(id: string, entry: Entry): Promise<Curriculum> {
    if (entry.state === "damaged") throw entry.damage!;
    let curriculum: Curriculum;
    try {
      curriculum = await readCurriculumFile(this.filesDir, `${id}.json`);
    } catch (error) {
      if (error instanceof StoreCorruptError) this.markDamaged(id, entry, error);
      throw error;
    }
    if (entry.state === "pending") {
      entry.state = "valid";
      this.checked++;
      const summary = summarise(curriculum);
      // The index was out of date for this file (its stamp matched by coincidence): the file is what counts.
      if (entry.version !== curriculum.version || JSON.stringify(normalSummary(entry.summary)) !== JSON.stringify(normalSummary(summary))) {
        entry.summary = summary;
        entry.version = curriculum.version;
        this.touchIndex();
      }
    }
    return curriculum;
  }

  private markDamaged(id: string, entry: Entry, error: StoreCorruptError): void {
    if (this.entries.get(id) !== entry || entry.state === "damaged") return;
    if (entry.state === "pending") this.checked++;
    entry.state = "damaged";
    entry.damage = error;
    this.recent.delete(id);
    // Out of the index: the next start-up validates the file before opening, and stops on it as without an index.
    this.touchIndex();
    try {
      this.options.onDamaged?.(error);
    } catch {
      // A failing listener must not turn a refused read into another error.
    }
  }

  /** Throws StoreCorruptError if the file is damaged; validates it first when it is still pending. */
  private async ensureValid(id: string, entry: Entry): Promise<void> {
    if (entry.state !== "valid") await this.validated(id, entry);
  }

  /** Resolves when background validation is over (done, or stopped by close) with what it found. */
  async whenValidated(): Promise<ValidationReport> {
    await this.validation;
    const damaged = [...this.entries.values()].filter((e) => e.state === "damaged").map((e) => e.damage!.file);
    return { checked: this.checked, damaged: damaged.sort() };
  }

  /** Writes a curriculum already checked by storableCurriculum. */
  private async write(curriculum: Curriculum): Promise<void> {
    if (this.closed) throw new Error("the curriculum store is closed");
    const path = this.file(curriculum.id);
    const db = new Low<Curriculum>(new JSONFile(path), curriculum);
    db.data = curriculum;
    await db.write();
    // Under the key lock, so the stamp is the one of this write (a failed stat only keeps the file out of the index).
    const stats = await stat(path).catch(() => undefined);
    this.entries.set(curriculum.id, { summary: summarise(curriculum), version: curriculum.version, stamp: stats && stampOf(stats), state: "valid" });
    this.remember(structuredClone(curriculum));
    this.touchIndex();
  }

  create(curriculum: Curriculum): Promise<void> {
    return this.locks.run(curriculum.id, async () => {
      if (this.entries.has(curriculum.id)) throw new Error(`Curriculum ${curriculum.id} already exists`);
      await this.write(storableCurriculum(curriculum));
    });
  }

  private remember(curriculum: Curriculum): void {
    this.recent.delete(curriculum.id);
    this.recent.set(curriculum.id, curriculum);
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** The curriculum, or undefined when there is none; throws StoreCorruptError naming the file when it is damaged. */
  async get(id: string): Promise<Curriculum | undefined> {
    const known = this.entries.get(id);
    if (!known) return undefined;
    if (known.state === "damaged") throw known.damage!;
    const cached = this.recent.get(id);
    // Callers may change what they get: hand out a copy, never the cached object.
    if (cached) return structuredClone(cached);
    return this.locks.run(id, async () => {
      const entry = this.entries.get(id);
      if (!entry) return undefined;
      const curriculum = this.recent.get(id) ?? (await this.validated(id, entry));
      this.remember(curriculum);
      return structuredClone(curriculum);
    });
  }

  async head(id: string): Promise<CurriculumHead | undefined> {
    const known = this.entries.get(id);
    if (!known) return undefined;
    // A file opened on the index's word is read and validated first: a head vouches for the file as `get` does.
    if (known.state !== "valid") await this.locks.run(id, () => this.ensureValid(id, known));
    const entry = this.entries.get(id);
    return entry && { id, version: entry.version, organisationId: entry.summary.organisationId, title: entry.summary.title };
  }

  async list(scope: ListScope): Promise<CurriculumSummary[]> {
    return [...this.entries.values()]
      .filter((e) => e.state !== "damaged" && inScope(scope, e.summary.organisationId))
      .map((e) => ({ ...e.summary }))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id));
  }

  update(curriculum: Curriculum, expectedVersion: number): Promise<Curriculum | undefined> {
    return this.locks.run(curriculum.id, async () => {
      const stored = this.entries.get(curriculum.id);
      if (!stored) return undefined;
      // A damaged file is never overwritten; a pending one's version is only the index's word until read.
      await this.ensureValid(curriculum.id, stored);
      if (stored.version !== expectedVersion) throw new StaleVersionError(curriculum.id, expectedVersion, stored.version);
      const saved = storableCurriculum({ ...curriculum, version: stored.version + 1 });
      await this.write(saved);
      return saved;
    });
  }

  /**
   * Rewrites each unowned curriculum with its new organisation; the version stays (the course itself did not change).
   * A damaged file is left as it is (and refused on reads).
   */
  async adoptUnowned(organisationId: string): Promise<number> {
    const unowned = [...this.entries].filter(([, e]) => e.state !== "damaged" && e.summary.organisationId === undefined).map(([id]) => id);
    let adopted = 0;
    for (const id of unowned) {
      const done = await this.locks.run(id, async () => {
        const entry = this.entries.get(id);
        if (!entry || entry.state === "damaged" || entry.summary.organisationId !== undefined) return false;
        let stored: Curriculum;
        try {
          stored = this.recent.get(id) ?? (await this.validated(id, entry));
        } catch (error) {
          if (error instanceof StoreCorruptError) return false;
          throw error;
        }
        // The index may have been wrong about the owner: the file is what counts.
        if (stored.organisationId !== undefined) return false;
        await this.write(storableCurriculum({ ...stored, organisationId }));
        return true;
      });
      if (done) adopted++;
    }
    return adopted;
  }

  /** Deletes a curriculum's file; a damaged file is not deleted (StoreCorruptError): an operator moves it aside. */
  delete(id: string): Promise<boolean> {
    return this.locks.run(id, async () => {
      const entry = this.entries.get(id);
      if (!entry) return false;
      await this.ensureValid(id, entry);
      await unlink(this.file(id));
      this.entries.delete(id);
      this.recent.delete(id);
      this.touchIndex();
      return true;
    });
  }

  /**
   * Reads one curriculum from a store folder without taking the writer's lock, for the CLI while a server runs:
   * files are replaced whole by rename, so a reader never sees half a write.
   */
  static async readOne(dir: string, id: string): Promise<Curriculum | undefined> {
    if (!ID_PATTERN.test(id)) return undefined;
    try {
      return await readValid(join(dir, "store", `${id}.json`));
    } catch (error) {
      if (error instanceof StoreCorruptError && /ENOENT/.test(error.reason)) return undefined;
      throw error;
    }
  }

  /** Marks the index out of date and schedules its write. */
  private touchIndex(): void {
    this.indexDirty = true;
    this.scheduleIndexFlush();
  }

  /** Writes the index INDEX_DEBOUNCE_MS after the last change, or INDEX_MAX_DELAY_MS after the first unrecorded one. */
  private scheduleIndexFlush(): void {
    if (this.closed || this.closing) return;
    const now = Date.now();
    this.dirtySince ??= now;
    clearTimeout(this.flushTimer);
    const delay = Math.max(0, Math.min(INDEX_DEBOUNCE_MS, this.dirtySince + INDEX_MAX_DELAY_MS - now));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flushIndex();
    }, delay);
    // The index is a cache: a process may exit without waiting for it (start-up then validates what it lacks).
    this.flushTimer.unref();
  }

  /** Writes the index when it is out of date, one write at a time. */
  private flushIndex(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeIndex());
    return this.flushing;
  }

  private async writeIndex(): Promise<void> {
    if (!this.indexDirty) return;
    this.indexDirty = false;
    this.dirtySince = undefined;
    // Taken now, in one go: a save finishing during the write marks the index dirty again.
    const snapshot: [string, IndexEntry][] = [];
    for (const [id, e] of this.entries) if (e.state !== "damaged" && e.stamp) snapshot.push([id, { stamp: e.stamp, version: e.version, summary: e.summary }]);
    try {
      await writeStoreIndex(this.indexFile, snapshot);
    } catch {
      // A stale index is safe (start-up validates every file whose stamp differs); the next save or close tries again.
      this.indexDirty = true;
    }
  }

  /** Stops background validation, waits for writes in flight, writes the index, then releases the lock. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      await this.validation;
      await this.locks.idle();
      this.closed = true;
      clearTimeout(this.flushTimer);
      try {
        await this.flushIndex();
      } finally {
        await this.releaseLock();
      }
    })();
    return this.closing;
  }
}
