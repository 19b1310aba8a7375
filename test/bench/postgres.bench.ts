import autocannon from "autocannon";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readConfig } from "../../src/config.js";
import { loadCatalog } from "../../src/content/index.js";
import { courseSpecSchemaFor, type Curriculum } from "../../src/domain/index.js";
import { plan } from "../../src/planner/index.js";
import { LowdbCurriculumRepository, PostgresStore, type CurriculumRepository } from "../../src/store/index.js";
import { startTestPostgres, postgresUnavailableReason, type TestPostgres } from "../support/postgres.js";
import { provisionAccount, startServer, type RunningServer } from "../support/server.js";
import { fmt, summary } from "./stats.js";

/**
 * PostgreSQL against the embedded store, as ratios measured in one run on this machine: save and read latency of
 * the repositories at 100 and 10,000 curricula, and HTTP requests per second for create and read through the real
 * server, one embedded instance against one and two PostgreSQL instances. PostgreSQL runs with its durable defaults
 * (fsync on), on a Unix socket.
 */

async function fill(store: CurriculumRepository, sample: Curriculum, count: number): Promise<void> {
  for (let done = 0; done < count; ) {
    const batch = Array.from({ length: Math.min(50, count - done) }, () => store.create({ ...sample, id: randomUUID() }));
    await Promise.all(batch);
    done += batch.length;
  }
}

/** Median latency of `saves` versioned updates and as many reads of random stored curricula. */
async function latencies(store: CurriculumRepository, sample: Curriculum, saves: number): Promise<{ save: number; read: number }> {
  const target = { ...sample, id: randomUUID() };
  await store.create(target);
  const saveTimes: number[] = [];
  for (let i = 0; i < saves; i++) {
    const start = performance.now();
    await store.update({ ...target, title: `save ${i}` }, i + 1);
    saveTimes.push(performance.now() - start);
  }
  const ids = (await store.list("all")).map((s) => s.id);
  const readTimes: number[] = [];
  for (let i = 0; i < saves; i++) {
    const id = ids[Math.floor(Math.random() * ids.length)]!;
    const start = performance.now();
    await store.get(id);
    readTimes.push(performance.now() - start);
  }
  return { save: summary(saveTimes).median, read: summary(readTimes).median };
}

export async function benchStorePostgres(sizes = [100, 10_000], saves = 200): Promise<void> {
  const reason = postgresUnavailableReason();
  if (reason) {
    console.log(`PostgreSQL comparison skipped: ${reason}`);
    return;
  }
  const catalog = await loadCatalog(readConfig().contentDir);
  const spec = courseSpecSchemaFor(catalog.ids).parse({ title: "Store bench", sector: "healthcare", totalHours: 16, startDate: "2027-01-04" });
  const sample = plan(spec, catalog, { id: randomUUID(), now: new Date() });
  const cluster = startTestPostgres({ durable: true });
  const dir = await mkdtemp(join(tmpdir(), "bench-pg-lowdb-"));
  const lowdb = await LowdbCurriculumRepository.open(dir);
  const { store: postgres } = await PostgresStore.open(await cluster.newDatabase());
  try {
    console.log(`Store latency, ${saves} sequential saves (versioned update) and reads per size, medians in ms (PostgreSQL 15 durable, Unix socket)`);
    console.log("stored   lowdb save  pg save  ratio   lowdb read  pg read  ratio");
    let count = 0;
    for (const size of sizes) {
      await fill(lowdb, sample, size - count);
      await fill(postgres.curricula, sample, size - count);
      count = size + 1;
      const a = await latencies(lowdb, sample, saves);
      const b = await latencies(postgres.curricula, sample, saves);
      console.log(`${String(size).padStart(6)}   ${fmt(a.save).padStart(10)}  ${fmt(b.save).padStart(7)}  ${fmt(b.save / a.save).padStart(5)}   ${fmt(a.read).padStart(10)}  ${fmt(b.read).padStart(7)}  ${fmt(b.read / a.read).padStart(5)}`);
    }
  } finally {
    await lowdb.close();
    await postgres.close();
    cluster.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Load {
  rps: number;
  non2xx: number;
  errors: number;
}

/** Requests/s of `paths` spread over the instances at once (one autocannon per instance, 10 connections each, summed). */
async function loadAcross(servers: RunningServer[], request: (server: RunningServer) => autocannon.Options): Promise<Load> {
  const results = await Promise.all(servers.map((s) => autocannon({ connections: 10, duration: 5, ...request(s) })));
  return results.reduce((sum, r) => ({ rps: sum.rps + r.requests.average, non2xx: sum.non2xx + r.non2xx, errors: sum.errors + r.errors }), { rps: 0, non2xx: 0, errors: 0 });
}

export async function benchHttpInstances(): Promise<void> {
  const reason = postgresUnavailableReason();
  if (reason) {
    console.log(`HTTP on PostgreSQL skipped: ${reason}`);
    return;
  }
  const cluster: TestPostgres = startTestPostgres({ durable: true });
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const folder = async () => {
    const dir = await mkdtemp(join(tmpdir(), "bench-http-instances-"));
    dirs.push(dir);
    return dir;
  };
  try {
    const spec = JSON.stringify({ title: "Bench", sector: "police", totalHours: 16, startDate: "2027-01-04" });
    const setups: { name: string; servers: RunningServer[]; authorization: string }[] = [];

    const embeddedDir = await folder();
    const embedded = provisionAccount(embeddedDir);
    const one = await startServer(embeddedDir);
    servers.push(one);
    setups.push({ name: "embedded, 1 instance", servers: [one], authorization: embedded.authorization });

    const databaseUrl = await cluster.newDatabase();
    const pgAccount = provisionAccount(await folder(), {}, { DATABASE_URL: databaseUrl });
    const pgA = await startServer(await folder(), { DATABASE_URL: databaseUrl });
    const pgB = await startServer(await folder(), { DATABASE_URL: databaseUrl });
    servers.push(pgA, pgB);
    setups.push({ name: "PostgreSQL, 1 instance", servers: [pgA], authorization: pgAccount.authorization });
    setups.push({ name: "PostgreSQL, 2 instances", servers: [pgA, pgB], authorization: pgAccount.authorization });

    console.log(`HTTP through the real server, 10 connections per instance x 5 s, loopback; Node ${process.version}, ${(await import("node:os")).cpus().length} cores`);
    console.log(`${"setup".padEnd(26)} ${"create req/s".padStart(12)} ${"ratio".padStart(6)} ${"read req/s".padStart(11)} ${"ratio".padStart(6)}`);
    let baseline: { create: number; read: number } | undefined;
    for (const setup of setups) {
      const headers = { authorization: setup.authorization, "content-type": "application/json" };
      const created = await fetch(`${setup.servers[0]!.url}/api/curricula`, { method: "POST", headers, body: spec });
      const { id } = (await created.json()) as { id: string };
      const create = await loadAcross(setup.servers, (s) => ({ url: `${s.url}/api/curricula`, method: "POST", headers, body: spec }));
      const read = await loadAcross(setup.servers, (s) => ({ url: `${s.url}/api/curricula/${id}`, headers }));
      baseline ??= { create: create.rps, read: read.rps };
      const problems = create.non2xx + create.errors + read.non2xx + read.errors > 0 ? `  (${create.non2xx + read.non2xx} non-2xx, ${create.errors + read.errors} errors)` : "";
      console.log(`${setup.name.padEnd(26)} ${fmt(create.rps, 0).padStart(12)} ${fmt(create.rps / baseline.create).padStart(6)} ${fmt(read.rps, 0).padStart(11)} ${fmt(read.rps / baseline.read).padStart(6)}${problems}`);
    }
  } finally {
    for (const s of servers) await s.stop();
    cluster.destroy();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}
