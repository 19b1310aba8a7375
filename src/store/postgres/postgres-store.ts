import { Database, type DatabaseOptions } from "./database.js";
import { migrate } from "./migrate.js";
import { PostgresAccountRepository } from "./postgres-account-repository.js";
import { PostgresCurriculumRepository } from "./postgres-curriculum-repository.js";

/**
 * Everything the app keeps, in one PostgreSQL database shared by any number of instances: curricula and accounts
 * over one connection pool. `open` brings the schema up to date first (under an advisory lock: instances starting
 * together take turns).
 */
export class PostgresStore {
  readonly curricula: PostgresCurriculumRepository;
  readonly accounts: PostgresAccountRepository;

  private constructor(readonly db: Database) {
    this.curricula = new PostgresCurriculumRepository(db);
    this.accounts = new PostgresAccountRepository(db);
  }

  /** Connects and migrates. Resolves with the store and the migrations it applied. */
  static async open(url: string, options: DatabaseOptions & { migrate?: boolean } = {}): Promise<{ store: PostgresStore; applied: string[] }> {
    const db = new Database(url, options);
    try {
      const applied = options.migrate === false ? [] : await migrate(db);
      return { store: new PostgresStore(db), applied };
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
  }

  /** Is the database answering? For /healthz. */
  ping(): Promise<boolean> {
    return this.db.ping();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
