/** A stored file that cannot be read as a curriculum. Start-up stops with this; the file is never overwritten. */
export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`The curriculum store file ${file} is corrupt: ${reason}. It was left untouched; restore it from a backup or move it aside, then start again.`);
    this.name = "StoreCorruptError";
  }
}

/** Another live process already writes this store (lowdb files have exactly one writer). */
export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`The curriculum store in ${dir} is in use by process ${pid}. Only one server may write a store; stop the other one or set CURRICULA_DIR to another folder.`);
    this.name = "StoreLockedError";
  }
}
