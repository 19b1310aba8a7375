import { mkdir, open, readdir, readFile, rm, truncate, writeFile, type FileHandle } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { auditEventSchema, type AuditEvent } from "../domain/index.js";
import { formatPath } from "../content/content-error.js";
import { collectionIssue, emptyAccountData, MemoryAccountRepository, type AccountData, type Collection } from "./memory-account-repository.js";
import { takeLockFile } from "./lock-file.js";
import { InvalidRecordError, StoreCorruptError, StoreLockedError } from "./store-errors.js";

/** The collections of `accounts.json`: they change together (set-up writes an organisation and its admin in one step). */
export const ACCOUNT_COLLECTIONS = ["organisations", "users", "tokens", "invitations", "shareLinks"] as const satisfies readonly Collection[];
/** The collection of `sessions.json`: written on most requests, so kept apart and the accounts file is not rewritten for it. */
export const SESSION_COLLECTIONS = ["sessions"] as const satisfies readonly Collection[];

type AccountsFile = Pick<AccountData, (typeof ACCOUNT_COLLECTIONS)[number]>;
type SessionsFile = Pick<AccountData, (typeof SESSION_COLLECTIONS)[number]>;

/**
 * The folders this process has open. The lock file cannot tell a second open in this process from a stale lock
 * left by an earlier process that had the same pid (pid 1 in a restarted container), so it is refused here.
 */
const OPEN_FOLDERS = new Set<string>();

/**
 * The embedded account store: the in-memory repository (which does every change copy-on-write under one lock)
 * backed by files under `<dir>/accounts/`:
 *
 * - `accounts.json` – organisations, users, tokens, invitations and share links, one lowdb file;
 * - `sessions.json` – sessions, in a lowdb file of their own, because they change on most requests and a session
 *   write should neither rewrite nor risk the accounts;
 * - `audit.jsonl` – the audit log, one event per line, only ever appended and synced before an event is acknowledged.
 *
 * lowdb's writer replaces a file whole (temporary file, then rename), so a crash leaves the old or the new contents,
 * never half. Every file is validated at start-up: a corrupt one stops it with a StoreCorruptError naming the file
 * and the record, and is not touched. Nothing is written that would not read back: every write is checked with the
 * same schemas and uniqueness rules start-up applies, and a refused or failed write leaves memory as it was.
 */
export class LowdbAccountRepository extends MemoryAccountRepository {
  private readonly accountsDb: Low<AccountsFile>;
  private readonly sessionsDb: Low<SessionsFile>;
  /** The audit log, opened for appending once start-up has validated it. */
  private auditHandle: FileHandle | undefined;
  /** The audit file's length after its last complete line: a failed append is cut back to it. */
  private auditSize = 0;
  private readonly auditIds = new Set<string>();
  private released = false;

  private constructor(private readonly dir: string) {
    super();
    this.accountsDb = new Low<AccountsFile>(new JSONFile(this.accountsFile), { organisations: [], users: [], tokens: [], invitations: [], shareLinks: [] });
    this.sessionsDb = new Low<SessionsFile>(new JSONFile(this.sessionsFile), { sessions: [] });
  }

  /**
   * Opens (creating when needed) the store in `dir`, takes its single-writer lock, validates every file, and only
   * then repairs what a crash left: the temporary files of interrupted writes, and a torn last audit line.
   */
  static async open(dir: string): Promise<LowdbAccountRepository> {
    const store = new LowdbAccountRepository(dir);
    await mkdir(store.filesDir, { recursive: true });
    await store.takeLock();
    try {
      await store.loadRecords();
      const audit = await store.loadAudit();
      // Only once every file has been validated: a start-up that fails on a corrupt file leaves the folder exactly as it was.
      await store.removeInterruptedWrites();
      await store.repairAuditTail(audit);
      store.auditHandle = await open(store.auditFile, "a");
    } catch (error) {
      await store.releaseLock();
      throw error;
    }
    return store;
  }

  private get filesDir(): string {
    return join(this.dir, "accounts");
  }

  private get lockFile(): string {
    return join(this.dir, "accounts.lock");
  }

  private get accountsFile(): string {
    return join(this.filesDir, "accounts.json");
  }

  private get sessionsFile(): string {
    return join(this.filesDir, "sessions.json");
  }

  private get auditFile(): string {
    return join(this.filesDir, "audit.jsonl");
  }

  private async takeLock(): Promise<void> {
    const key = resolve(this.dir);
    if (OPEN_FOLDERS.has(key)) throw new StoreLockedError(this.dir, process.pid);
    OPEN_FOLDERS.add(key);
    try {
      await takeLockFile(this.lockFile, this.dir);
    } catch (error) {
      OPEN_FOLDERS.delete(key);
      throw error;
    }
  }

  private async releaseLock(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      await rm(this.lockFile, { force: true });
    } finally {
      OPEN_FOLDERS.delete(resolve(this.dir));
    }
  }

  /** A file's bytes, or undefined when it does not exist yet (a new store, or no session so far). */
  private static async readIfExists(path: string): Promise<Buffer | undefined> {
    try {
      return await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new StoreCorruptError(path, `cannot be read (${(error as NodeJS.ErrnoException).code})`);
    }
  }

  /** Reads and validates one lowdb file holding `collections`; missing collections are empty, unknown keys are corruption. */
  private static async readCollections<K extends Collection>(path: string, collections: readonly K[]): Promise<Partial<Pick<AccountData, K>>> {
    const bytes = await LowdbAccountRepository.readIfExists(path);
    if (bytes === undefined) return {};
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new StoreCorruptError(path, `not valid JSON (${(error as Error).message})`);
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new StoreCorruptError(path, "(file): must be an object of collections");
    const out: Partial<Pick<AccountData, K>> = {};
    for (const [key, value] of Object.entries(json)) {
      // A key this file does not hold may be another file's contents copied here: refuse rather than guess.
      if (!(collections as readonly string[]).includes(key)) throw new StoreCorruptError(path, `${key}: is not a collection of this file (expected ${collections.join(", ")})`);
      const collection = key as K;
      if (!Array.isArray(value)) throw new StoreCorruptError(path, `${collection}: must be a list`);
      const checked = collectionIssue(collection, value);
      if (checked.issue) throw new StoreCorruptError(path, `${checked.issue.path}: ${checked.issue.message}`);
      out[collection] = checked.parsed;
    }
    return out;
  }

  private async loadRecords(): Promise<void> {
    const accounts = await LowdbAccountRepository.readCollections(this.accountsFile, ACCOUNT_COLLECTIONS);
    const sessions = await LowdbAccountRepository.readCollections(this.sessionsFile, SESSION_COLLECTIONS);
    this.data = { ...emptyAccountData(), ...accounts, ...sessions };
  }

  /**
   * Reads and validates the audit log. Every line must be a valid event, except a last line without its newline
   * that is not JSON: that is an append a crash cut short (it was never acknowledged, since acknowledging waits for
   * the sync), and start-up drops it. Resolves with where the complete lines end and whether the file needs repair.
   */
  private async loadAudit(): Promise<{ completeLength: number; length: number; missingNewline: boolean }> {
    const path = this.auditFile;
    const bytes = await LowdbAccountRepository.readIfExists(path);
    if (bytes === undefined || bytes.length === 0) return { completeLength: 0, length: 0, missingNewline: false };
    const lines: Buffer[] = [];
    for (let start = 0; start < bytes.length; ) {
      const end = bytes.indexOf(0x0a, start);
      lines.push(bytes.subarray(start, end === -1 ? bytes.length : end));
      start = end === -1 ? bytes.length : end + 1;
    }
    const lastHasNewline = bytes[bytes.length - 1] === 0x0a;
    let completeLength = bytes.length;
    let missingNewline = false;
    const events: AuditEvent[] = [];
    for (const [i, line] of lines.entries()) {
      const isUnterminatedTail = i === lines.length - 1 && !lastHasNewline;
      let json: unknown;
      try {
        json = JSON.parse(line.toString("utf8"));
      } catch (error) {
        if (isUnterminatedTail) {
          completeLength = bytes.length - line.length;
          break;
        }
        throw new StoreCorruptError(path, `line ${i + 1}: not valid JSON (${(error as Error).message})`);
      }
      const result = auditEventSchema.safeParse(json);
      if (!result.success) {
        const first = result.error.issues[0]!;
        throw new StoreCorruptError(path, `line ${i + 1}: ${formatPath(first.path) || "(event)"}: ${first.message}`);
      }
      if (this.auditIds.has(result.data.id)) throw new StoreCorruptError(path, `line ${i + 1}: id: repeats an earlier event's id ${result.data.id}`);
      this.auditIds.add(result.data.id);
      events.push(result.data);
      // A complete event whose newline a crash cut off: kept, and the newline is added so the next append starts a line.
      if (isUnterminatedTail) missingNewline = true;
    }
    this.audit = events;
    return { completeLength, length: bytes.length, missingNewline };
  }

  /** Cuts a torn last audit line off, or completes a whole last event's line: appends must start on a fresh line. */
  private async repairAuditTail(audit: { completeLength: number; length: number; missingNewline: boolean }): Promise<void> {
    if (audit.completeLength < audit.length) await truncate(this.auditFile, audit.completeLength);
    this.auditSize = audit.completeLength;
    if (audit.missingNewline) {
      await writeFile(this.auditFile, "\n", { flag: "a" });
      this.auditSize += 1;
    }
  }

  /**
   * Deletes lowdb's leftover temporary files (`.accounts.json.tmp`, `.sessions.json.tmp`): writes a crash
   * interrupted before their rename, so the real files still hold the last save. Safe only while holding the lock,
   * when no write of ours is in flight; only regular files go, anything else of that name is left alone.
   */
  private async removeInterruptedWrites(): Promise<void> {
    const leftovers = new Set([".accounts.json.tmp", ".sessions.json.tmp"]);
    const entries = await readdir(this.filesDir, { withFileTypes: true });
    await Promise.all(entries.filter((e) => e.isFile() && leftovers.has(e.name)).map((e) => rm(join(this.filesDir, e.name), { force: true })));
  }

  /**
   * Writes the files holding the changed collections, each whole, merged with the current contents of the file's
   * other collections. Runs under the in-memory store's lock, before the change replaces memory: when it throws,
   * nothing in memory changes.
   */
  protected override async persist(changes: Partial<AccountData>): Promise<void> {
    // `change` has checked every changed collection (schemas and unique fields) before it calls this.
    const touches = (collections: readonly Collection[]) => collections.some((c) => changes[c] !== undefined);
    // The accounts file first: it holds what people and set-up depend on; a session write failing after it costs a sign-in.
    if (touches(ACCOUNT_COLLECTIONS)) {
      const next = {} as AccountsFile;
      for (const c of ACCOUNT_COLLECTIONS) (next as Record<string, unknown>)[c] = changes[c] ?? this.data[c];
      this.accountsDb.data = next;
      await this.accountsDb.write();
    }
    if (touches(SESSION_COLLECTIONS)) {
      this.sessionsDb.data = { sessions: changes.sessions ?? this.data.sessions };
      await this.sessionsDb.write();
    }
  }

  /**
   * Appends one event as one line and syncs it before it counts as recorded. An append that fails part-way is cut
   * back, so the log never holds a half line in its middle (which start-up would rightly call corruption).
   */
  protected override async persistAudit(event: AuditEvent): Promise<void> {
    if (this.auditIds.has(event.id)) throw new InvalidRecordError([{ path: "id", message: `repeats an earlier event's id ${event.id}` }], "audit event");
    const handle = this.auditHandle;
    if (!handle) throw new Error("the account store is closed");
    const line = Buffer.from(`${JSON.stringify(event)}\n`, "utf8");
    try {
      await handle.appendFile(line);
      await handle.datasync();
    } catch (error) {
      await handle.truncate(this.auditSize).catch(() => undefined);
      throw error;
    }
    this.auditSize += line.length;
    this.auditIds.add(event.id);
  }

  /** Waits for writes in flight, then closes the audit log and releases the lock. */
  override async close(): Promise<void> {
    if (this.closed) return;
    await super.close();
    try {
      await this.auditHandle?.close();
    } finally {
      this.auditHandle = undefined;
      await this.releaseLock();
    }
  }
}
