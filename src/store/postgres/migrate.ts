import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { projectRoot } from "../../config.js";
import { isUnavailable, type Database } from "./database.js";
import { StoreUnavailableError } from "../store-errors.js";

/**
 * Schema migrations: the SQL files in src/store/postgres/migrations, named `NNNN_what.sql`, applied in order, each in
 * its own transaction, and recorded in `schema_migrations` with a checksum. They run at start-up under an advisory
 * lock, so two instances starting together take turns (the second finds nothing left to do); operators can run them
 * ahead with `npm run cli -- db migrate`. A file changed after it was applied is refused: the database would no
 * longer match what the repository says it is.
 */

/** Any constant the app alone uses: the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK = 727_274_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** The migrations folder: beside this file in src/, and found from dist/ too (the SQL is not compiled). */
function migrationsDir(): string {
  const here = join(dirname(fileURLToPath(import.meta.url)), "migrations");
  return existsSync(here) ? here : join(projectRoot(), "src", "store", "postgres", "migrations");
}

export async function readMigrations(dir = migrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const sql = await readFile(join(dir, file), "utf8");
    migrations.push({ version: Number(file.slice(0, 4)), name: file.slice(5, -4), sql, checksum: createHash("sha256").update(sql).digest("hex") });
  }
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error(`Two migrations share a version number in ${dir}`);
  return migrations;
}

export class MigrationError extends Error {}

/** Applies every migration not yet applied; resolves with the names of those it applied (empty when up to date). */
export async function migrate(db: Database, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await readMigrations());
  let client;
  try {
    client = await db.pool.connect();
  } catch (error) {
    throw isUnavailable(error) ? new StoreUnavailableError(error as Error) : error;
  }
  const applied: string[] = [];
  try {
    // Session-level lock: held across the transactions below, released at the end (or when the connection dies).
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = new Map((await client.query<{ version: number; name: string; checksum: string }>("SELECT version, name, checksum FROM schema_migrations")).rows.map((r) => [r.version, r]));
      const known = new Set(all.map((m) => m.version));
      const newer = [...done.keys()].filter((v) => !known.has(v));
      if (newer.length > 0) throw new MigrationError(`The database has migrations this version of the app does not know (${newer.join(", ")}): it was upgraded by a newer release. Run that release, or restore a backup.`);
      for (const migration of all) {
        const recorded = done.get(migration.version);
        if (recorded) {
          if (recorded.checksum !== migration.checksum) throw new MigrationError(`Migration ${migration.version}_${migration.name} was changed after it was applied to this database; add a new migration instead of editing an applied one.`);
          continue;
        }
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [migration.version, migration.name, migration.checksum]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw new MigrationError(`Migration ${migration.version}_${migration.name} failed and was rolled back: ${(error as Error).message}`);
        }
        applied.push(`${String(migration.version).padStart(4, "0")}_${migration.name}`);
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
  return applied;
}
