/** A stored file that cannot be read as a curriculum. Start-up stops with this; the file is never overwritten. */
export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`The store file ${file} is corrupt: ${reason}. It was left untouched; restore it from a backup or move it aside, then start again.`);
    this.name = "StoreCorruptError";
  }
}

/** Another live process already writes this store (lowdb files have exactly one writer). */
export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`The store in ${dir} is in use by process ${pid}. Only one process may write a store: stop the server (or the other command) first, or set CURRICULA_DIR to another folder.`);
    this.name = "StoreLockedError";
  }
}

/** One reason a record cannot be stored: where in it (a JSON path, empty for the record itself) and why. */
export interface RecordIssue {
  path: string;
  message: string;
}

/**
 * A curriculum the store refused to write, because the store could not read it back as the same valid curriculum
 * (the schema refuses it, or its JSON would read back different). Nothing was written; the stored copy is unchanged.
 */
export class InvalidRecordError extends Error {
  readonly issues: readonly RecordIssue[];

  constructor(
    issues: readonly RecordIssue[],
    /** What kind of record it was, for the message. */
    readonly kind = "curriculum",
  ) {
    const listed = issues.map((i) => `${i.path || "(record)"}: ${i.message}`).join("; ");
    super(`The ${kind} was not stored, because it could not be read back as a valid ${kind} (${issues.length} problem${issues.length === 1 ? "" : "s"}): ${listed}.`);
    this.name = "InvalidRecordError";
    this.issues = issues;
  }
}

/**
 * The store cannot be reached for now (the database is down, restarting or refusing connections). Nothing was
 * changed by the request that met it; the app answers 503 with Retry-After, and works again when the store is back.
 */
export class StoreUnavailableError extends Error {
  constructor(override readonly cause: Error) {
    super(`The database cannot be reached: ${cause.message}`);
    this.name = "StoreUnavailableError";
  }
}

/** A record read back from the database that its schema refuses: it is never served as if it were valid. */
export class DamagedRecordError extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`The stored record ${where} is damaged: ${reason}. It was left untouched; run npm run cli -- store check.`);
    this.name = "DamagedRecordError";
  }
}
