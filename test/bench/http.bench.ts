import autocannon from "autocannon";
import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readConfig } from "../../src/config.js";
import { loadCatalog } from "../../src/content/index.js";
import { LowdbCurriculumRepository } from "../../src/store/index.js";
import { createApp } from "../../src/web/app.js";
import { MemoryAccountRepository } from "../../src/store/index.js";
import { asBrowser, seedOrganisations } from "../support/accounts.js";
import { fmt } from "./stats.js";

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, "127.0.0.1", () => resolve(server));
  });
}

const url = (server: Server, path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

async function load(target: string, options: Partial<autocannon.Options> = {}): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  const result = await autocannon({ url: target, connections: 10, duration: 5, ...options });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

/**
 * Requests/s and p99 latency for the main routes, each as a ratio to a bare Express "hello" route measured in the
 * same run (10 connections, 5 s each, loopback only). The app runs on the real lowdb store in a scratch folder.
 */
export async function benchHttp(): Promise<void> {
  const catalog = await loadCatalog(readConfig().contentDir);
  const dir = await mkdtemp(join(tmpdir(), "bench-http-"));
  const store = await LowdbCurriculumRepository.open(dir);
  // A designer's browser session on every request: the cost of the session lookup is part of what is measured.
  const accounts = new MemoryAccountRepository();
  const [org] = await seedOrganisations({ accounts, store });
  const app = await listen(asBrowser(createApp({ catalog, store, accounts, log: () => {} }), org!.people.designer));
  const bare = express();
  bare.get("/hello", (_req, res) => {
    res.send("hello");
  });
  const hello = await listen(bare);

  const spec = { title: "Bench", sector: "police", totalHours: 16, startDate: "2027-01-04" };
  const created = await fetch(url(app, "/api/curricula"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  const { id } = (await created.json()) as { id: string };
  // A realistic list: 100 curricula on the home page.
  for (let i = 0; i < 99; i++) {
    await fetch(url(app, "/api/curricula"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...spec, title: `Bench ${i}` }) });
  }

  const baseline = await load(url(hello, "/hello"));
  const rows: [string, Awaited<ReturnType<typeof load>>][] = [
    ["GET / (100 curricula)", await load(url(app, "/"), { headers: { accept: "text/html" } })],
    ["POST /api/curricula (16 h)", await load(url(app, "/api/curricula"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) })],
    ["GET /api/curricula/{id}", await load(url(app, `/api/curricula/${id}`))],
  ];
  console.log(`HTTP, 10 connections x 5 s per route, loopback (Node ${process.version})`);
  console.log(`${"route".padEnd(28)} ${"req/s".padStart(9)} ${"p99 ms".padStart(7)} ${"req/s ratio".padStart(12)} ${"p99 ratio".padStart(10)}`);
  console.log(`${"bare Express GET /hello".padEnd(28)} ${fmt(baseline.rps, 0).padStart(9)} ${fmt(baseline.p99, 0).padStart(7)} ${"1.00".padStart(12)} ${"1.00".padStart(10)}`);
  for (const [name, r] of rows) {
    const problems = r.errors + r.non2xx > 0 ? `  (${r.errors} errors, ${r.non2xx} non-2xx)` : "";
    console.log(`${name.padEnd(28)} ${fmt(r.rps, 0).padStart(9)} ${fmt(r.p99, 0).padStart(7)} ${fmt(r.rps / baseline.rps).padStart(12)} ${fmt(r.p99 / Math.max(1, baseline.p99)).padStart(10)}${problems}`);
  }
  await new Promise((resolve) => app.close(resolve));
  await new Promise((resolve) => hello.close(resolve));
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
