import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * A throw-away PostgreSQL cluster for tests: initdb into a temporary folder, started with pg_ctl on a Unix socket
 * only (no TCP port, nothing reachable from outside), run as the `postgres` user when the tests run as root
 * (PostgreSQL refuses to run as root). `.ci/run` installs Debian's postgresql when it is missing.
 */
export interface TestPostgres {
  /** A URL for a new, empty database in the cluster. */
  newDatabase(): Promise<string>;
  /** Stops the server (as a crash would not: a clean, fast shutdown). */
  stop(): void;
  /** Starts it again after `stop`. */
  start(): void;
  /** Stops it and removes its folder. */
  destroy(): void;
  socketDir: string;
}

/** Where Debian keeps the server's programs (the newest version installed). */
function binDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], "bin");
}

/** Why PostgreSQL cannot be used here, or undefined when it can. */
export function postgresUnavailableReason(): string | undefined {
  if (!binDir()) return "PostgreSQL's server programs are not installed (Debian package postgresql; `.ci/run` and `npm run setup -- --postgres` install it)";
  if (process.getuid?.() === 0 && spawnSync("id", ["postgres"]).status !== 0) return "running as root, and there is no postgres user to run the server as";
  return undefined;
}

let counter = 0;

/**
 * `durable`: keep PostgreSQL's defaults (fsync and full page writes on), for benchmarks that compare it honestly with
 * the embedded store; tests turn them off, as they throw the cluster away.
 */
export function startTestPostgres(options: { durable?: boolean } = {}): TestPostgres {
  const bin = binDir();
  if (!bin) throw new Error(postgresUnavailableReason());
  const asRoot = process.getuid?.() === 0;
  const base = mkdtempSync(join(tmpdir(), "pg-test-"));
  const dataDir = join(base, "data");
  const socketDir = join(base, "socket");
  execFileSync("mkdir", ["-p", socketDir]);
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(base, uid, gid);
    chownSync(socketDir, uid, gid);
    chmodSync(base, 0o755);
  }
  const run = (program: string, args: string[]) => {
    const command = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, program), ...args]] as const : [join(bin, program), args] as const;
    return execFileSync(command[0], command[1] as string[], { stdio: "pipe", timeout: 60_000 });
  };
  run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const serverOptions = `-c listen_addresses='' -k ${socketDir} -c max_connections=100${options.durable ? "" : " -c fsync=off -c full_page_writes=off"}`;
  const start = () => {
    run("pg_ctl", ["-D", dataDir, "-o", serverOptions, "-l", join(base, "log"), "-w", "-t", "60", "start"]);
  };
  const stop = () => {
    run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
  };
  start();
  const url = (database: string) => `postgres://postgres@/${database}?host=${encodeURIComponent(socketDir)}`;
  return {
    socketDir,
    start,
    stop,
    async newDatabase() {
      const name = `test_${process.pid}_${++counter}`;
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    destroy() {
      try {
        stop();
      } catch {
        // Already stopped.
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * PostgreSQL for a test file: one throw-away cluster, a fresh database for each store opened, all closed and removed
 * by `destroy()` (call it in afterAll). When PostgreSQL cannot run here, `skipReason` says why, and tests that need it
 * are skipped under a name that says so. In CI (CI is set) that is a failure instead: `.ci/run` installs PostgreSQL, so
 * a missing one means the tests did not run where they must.
 */
export function postgresForTests() {
  const reason = postgresUnavailableReason();
  if (reason && process.env.CI) throw new Error(`PostgreSQL is needed in CI but ${reason}`);
  let cluster: TestPostgres | undefined;
  const stores: { close(): Promise<void> }[] = [];
  return {
    skipReason: reason,
    cluster(): TestPostgres {
      cluster ??= startTestPostgres();
      return cluster;
    },
    /** A URL for a new, empty database. */
    async newDatabase(): Promise<string> {
      return this.cluster().newDatabase();
    },
    /** Remembers something to close before the cluster stops. */
    track<T extends { close(): Promise<void> }>(store: T): T {
      stores.push(store);
      return store;
    },
    async closeTracked(): Promise<void> {
      for (const store of stores.splice(0)) await store.close().catch(() => undefined);
    },
    async destroy(): Promise<void> {
      await this.closeTracked();
      cluster?.destroy();
      cluster = undefined;
    },
  };
}
