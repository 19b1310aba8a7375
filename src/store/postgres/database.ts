import pg from "pg";
import { StoreUnavailableError } from "../store-errors.js";

/**
 * The connection pool, and the one place that tells "the database cannot be reached" from every other error: those
 * become StoreUnavailableError (the app answers 503 with Retry-After and recovers by itself when the database is
 * back); anything else (a constraint, a bug) stays what it is.
 */

/**
 * SQLSTATE classes and codes that mean the server is gone or refusing connections for now, or that it could not
 * answer in time: 57014 is the statement_timeout below ending a statement stuck on a lock (a long migration, an
 * operator's LOCK TABLE): the statement was cancelled, so nothing changed, and the same request works shortly.
 */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "57014", "53300", "08000", "08001", "08003", "08004", "08006", "08007"]);
const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ENOENT", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as { code?: string; syscall?: string };
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  // ENOENT is a missing Unix socket only when connecting: a missing file (the migrations folder) is not an outage.
  if (code && UNAVAILABLE_ERRNO.has(code) && (code !== "ENOENT" || syscall === "connect")) return true;
  // node-postgres's own words when a connection ends or cannot be made in time, or a server that stopped answering
  // (a network partition, a paused machine) outlasts query_timeout ("Query read timeout").
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|server closed the connection|Query read timeout/i.test(error.message);
}

export interface DatabaseOptions {
  /** Connections per instance (each instance has its own pool). */
  max?: number;
  /** A query waits at most this long for a connection before the request gets a 503. */
  connectTimeoutMs?: number;
  /** The server ends a statement that runs longer (no request hangs on a lock). */
  statementTimeoutMs?: number;
}

export class Database {
  readonly pool: pg.Pool;

  constructor(
    readonly url: string,
    options: DatabaseOptions = {},
  ) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs ?? 15_000,
      // The client-side bound too: a server that stops answering mid-query must not hold a request forever.
      query_timeout: (options.statementTimeoutMs ?? 15_000) + 5_000,
      application_name: "peer-support-curriculum-builder",
    });
    // An idle connection dropped by the server (a restart) is reported here; without a listener it would end the process.
    this.pool.on("error", () => {});
  }

  /** Runs one statement; "cannot reach the database" becomes StoreUnavailableError. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      if (isUnavailable(error)) throw new StoreUnavailableError(error as Error);
      throw error;
    }
  }

  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw isUnavailable(error) ? new StoreUnavailableError(error as Error) : error;
    }
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      broken = isUnavailable(error);
      if (!broken) await client.query("ROLLBACK").catch(() => undefined);
      if (broken) throw new StoreUnavailableError(error as Error);
      throw error;
    } finally {
      // A connection that failed mid-transaction is discarded rather than handed to the next request.
      client.release(broken);
    }
  }

  /**
   * True when the database answers now, within `timeoutMs`: a health check must answer before the load balancer
   * gives up on it, even when the database has stopped answering (rather than refusing connections).
   */
  async ping(timeoutMs = 3_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.pool.query("SELECT 1").then(() => true, () => false), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
