import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { formatPath } from "../content/content-error.js";
import { auditEventSchema } from "../domain/index.js";
import type { LoadCounts } from "./account-repository.js";
import { ACCOUNT_COLLECTIONS, SESSION_COLLECTIONS } from "./lowdb-account-repository.js";
import { isCurriculumFileName, readCurriculumFile } from "./lowdb-repository.js";
import { collectionIssue, type Collection } from "./memory-account-repository.js";
import type { OpenStore } from "./open-store.js";
import { PostgresStore } from "./postgres/postgres-store.js";
import { DamagedRecordError, StoreCorruptError } from "./store-errors.js";

/**
 * The operators' tools on a whole store: check every record (`store check`) and copy everything from one store to
 * another (`store copy`). Here, in store/, because they know how each store keeps its records.
 */

/** A stored file that would not read back, and why. */
export interface DamagedFile {
  file: string;
  reason: string;
}

/**
 * The collections of each account file, as the account store (LowdbAccountRepository) keeps them: a key of another
 * collection in a file is damage too (another file's contents copied there).
 */
const ACCOUNT_FILES: readonly [string, readonly Collection[]][] = [
  ["accounts.json", ACCOUNT_COLLECTIONS],
  ["sessions.json", SESSION_COLLECTIONS],
];

/** How many curriculum files are read at once. */
const WORKERS = 8;

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

/** A file's text, or undefined when it does not exist (a new store, a file deleted since it was listed). */
async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new StoreCorruptError(path, `cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
}

/** Validates an account store file of collections exactly as the account store's start-up does. */
async function checkCollectionsFile(path: string, collections: readonly Collection[]): Promise<void> {
  const text = await readIfExists(path);
  if (text === undefined) return;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StoreCorruptError(path, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new StoreCorruptError(path, "(file): must be an object of collections");
  for (const [key, value] of Object.entries(json)) {
    if (!(collections as readonly string[]).includes(key)) throw new StoreCorruptError(path, `${key}: is not a collection of this file (expected ${collections.join(", ")})`);
    if (!Array.isArray(value)) throw new StoreCorruptError(path, `${key}: must be a list`);
    const checked = collectionIssue(key as Collection, value);
    if (checked.issue) throw new StoreCorruptError(path, `${checked.issue.path}: ${checked.issue.message}`);
  }
}

/**
 * Validates the audit log as the account store's start-up does: every line a valid event with an id of its own,
 * except a last line without its newline that is not JSON (an append cut short, or still being written, which
 * start-up drops: it was never acknowledged).
 */
async function checkAuditLog(path: string): Promise<void> {
  const text = await readIfExists(path);
  if (!text) return;
  const lines = text.split("\n");
  const terminated = text.endsWith("\n");
  if (terminated) lines.pop();
  const ids = new Set<string>();
  for (const [i, line] of lines.entries()) {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      if (i === lines.length - 1 && !terminated) return;
      throw new StoreCorruptError(path, `line ${i + 1}: not valid JSON (${(error as Error).message})`);
    }
    const result = auditEventSchema.safeParse(json);
    if (!result.success) {
      const first = result.error.issues[0]!;
      throw new StoreCorruptError(path, `line ${i + 1}: ${formatPath(first.path) || "(event)"}: ${first.message}`);
    }
    if (ids.has(result.data.id)) throw new StoreCorruptError(path, `line ${i + 1}: id: repeats an earlier event's id ${result.data.id}`);
    ids.add(result.data.id);
  }
}

/** Runs a check, recording the file it names as damaged when it throws StoreCorruptError. */
async function recording(damaged: DamagedFile[], check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (error instanceof DamagedRecordError) return void damaged.push({ file: error.where, reason: error.reason });
    if (!(error instanceof StoreCorruptError)) throw error;
    damaged.push({ file: error.file, reason: error.reason });
  }
}

/**
 * Validates every file of the store in `dir` in full, as start-up would without its index: each curriculum under
 * `store/` (a valid curriculum named by its id) and the account files under `accounts/`. Read-only and without
 * the writer's lock, so it may run beside the server: files are replaced whole by rename, never half written.
 * Resolves with how many curriculum files were checked and the damaged files (curricula and accounts), by name.
 */
export async function storeCheck(dir: string): Promise<{ checked: number; damaged: DamagedFile[] }> {
  const damaged: DamagedFile[] = [];
  const folder = join(dir, "store");
  let names: string[];
  try {
    names = (await readdir(folder)).filter(isCurriculumFileName);
  } catch (error) {
    if (!isMissing(error)) throw error;
    names = [];
  }
  let checked = 0;
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
      try {
        await readCurriculumFile(folder, name);
        checked++;
      } catch (error) {
        if (!(error instanceof StoreCorruptError)) throw error;
        // Deleted since the folder was listed (the server may be running): nothing left to check.
        if (/\(ENOENT\)$/.test(error.reason)) continue;
        checked++;
        damaged.push({ file: error.file, reason: error.reason });
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));

  const accounts = join(dir, "accounts");
  for (const [name, collections] of ACCOUNT_FILES) await recording(damaged, () => checkCollectionsFile(join(accounts, name), collections));
  await recording(damaged, () => checkAuditLog(join(accounts, "audit.jsonl")));

  damaged.sort((a, b) => a.file.localeCompare(b.file));
  return { checked, damaged };
}

/** Every record in PostgreSQL read back through its schema; the damaged ones named by table and id. */
export async function databaseCheck(url: string): Promise<{ checked: number; damaged: DamagedFile[] }> {
  const { store } = await PostgresStore.open(url, { migrate: false });
  const damaged: DamagedFile[] = [];
  let checked = 0;
  try {
    for (const { id } of await store.curricula.list("all")) {
      await recording(damaged, async () => {
        checked++;
        await store.curricula.get(id);
      });
    }
    await recording(damaged, async () => {
      await store.accounts.dump();
    });
  } finally {
    await store.close();
  }
  return { checked, damaged };
}

/** The same record as stored: as JSON with keys in order (a database may keep keys in another order, and drops undefined ones). */
function sameRecord(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(canonical) : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => [k, canonical(v)])) : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export interface CopyReport {
  curricula: { added: number; present: number; differs: number };
  accounts: LoadCounts;
}

/**
 * Copies everything from one store to another: every curriculum (a curriculum already in the target is left as
 * it is, and counted as differing when its content is not the same), then the accounts, sessions, tokens,
 * invitations, share links and the audit log (records already there by id, email or hash are kept). Every record
 * is validated as it is read and again as it is written; running the copy again adds nothing.
 */
export async function copyStore(from: OpenStore, to: OpenStore): Promise<CopyReport> {
  const curricula = { added: 0, present: 0, differs: 0 };
  for (const { id } of await from.curricula.list("all")) {
    const source = await from.curricula.get(id);
    if (!source) continue;
    const existing = await to.curricula.get(id);
    if (!existing) {
      await to.curricula.create(source);
      curricula.added++;
    } else if (sameRecord(existing, source)) curricula.present++;
    else curricula.differs++;
  }
  const accounts = await to.accounts.load(await from.accounts.dump());
  return { curricula, accounts };
}

