import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readConfig } from "../../src/config.js";
import { loadCatalog, type Catalog } from "../../src/content/index.js";
import { EXPORT_FORMATS } from "../../src/exports/registry.js";
import { DocumentCache } from "../../src/render/document-cache.js";
import { PdfRenderer } from "../../src/render/pdf-renderer.js";
import { openStore } from "../../src/store/open-store.js";
import { createApp } from "../../src/web/app.js";
import { asBrowser, seedOrganisations } from "../support/accounts.js";
import { postgresUnavailableReason, startTestPostgres } from "../support/postgres.js";
import { fmt, summary } from "./stats.js";

/**
 * The document cache: the first download of a document (built: HTML, Chromium, packaging) against repeated
 * downloads of the same version (from memory) and against a browser's revalidation (If-None-Match, 304), through
 * HTTP on loopback, per document and format, on the embedded store and on PostgreSQL. Each first download is of a
 * curriculum no one has asked for yet, so it is built anew; all are measured in a process warmed up on another
 * curriculum first, so that none pays for the first run of the code (JIT, Chromium's first print).
 */
export async function benchExports(curricula = 4, repeats = 10): Promise<void> {
  const config = readConfig();
  const catalog = await loadCatalog(config.contentDir);
  const renderer = new PdfRenderer({ executablePath: config.chromiumPath, concurrency: 2, maxQueue: 16 });
  await renderer.start();
  const dir = await mkdtemp(join(tmpdir(), "bench-exports-"));
  try {
    await benchOn("embedded store", catalog, renderer, { dir }, curricula, repeats);
    const reason = postgresUnavailableReason();
    if (reason) {
      console.log(`\nOn PostgreSQL: skipped (${reason})`);
      return;
    }
    const cluster = startTestPostgres({ durable: true });
    try {
      await benchOn("PostgreSQL", catalog, renderer, { dir, databaseUrl: await cluster.newDatabase() }, curricula, repeats);
    } finally {
      cluster.destroy();
    }
  } finally {
    await renderer.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchOn(label: string, catalog: Catalog, renderer: PdfRenderer, where: { dir: string; databaseUrl?: string }, curricula: number, repeats: number): Promise<void> {
  const store = await openStore(where);
  const [org] = await seedOrganisations({ accounts: store.accounts, store: store.curricula });
  const app = asBrowser(createApp({ catalog, store: store.curricula, accounts: store.accounts, pdf: renderer, documentCache: new DocumentCache(256 * 1024 * 1024), log: () => {} }), org!.people.admin);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // One more curriculum than measured: the first warms the process up and is not counted.
    const ids: string[] = [];
    for (let i = 0; i <= curricula; i++) {
      const res = await fetch(`${base}/api/curricula`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: `Bench ${i}`, sector: ["healthcare", "police", "firefighting", "postal"][i % 4], totalHours: 16, startDate: "2027-01-04" }),
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const documents: [string, (id: string) => string][] = [
      ["syllabus PDF", (id) => `/curricula/${id}/syllabus.pdf`],
      ["facilitator guide PDF", (id) => `/curricula/${id}/facilitator-guide.pdf`],
      ...EXPORT_FORMATS.filter((f) => f.scope === "curriculum").map((f): [string, (id: string) => string] => [f.id, (id) => `/api/curricula/${id}/exports/${f.id}`]),
    ];
    /** One download's time; with an ETag, a revalidation that must answer 304. Resolves with the time and the ETag. */
    const timed = async (path: string, etag?: string) => {
      const start = performance.now();
      const res = await fetch(`${base}${path}`, etag ? { headers: { "if-none-match": etag } } : {});
      await res.arrayBuffer();
      const ms = performance.now() - start;
      if (res.status !== (etag ? 304 : 200)) throw new Error(`${path}: ${res.status}`);
      return { ms, etag: res.headers.get("etag")! };
    };
    const warmUp = ids.shift()!;
    for (const [, path] of documents) {
      const { etag } = await timed(path(warmUp));
      for (let i = 0; i < 3; i++) {
        await timed(path(warmUp));
        await timed(path(warmUp), etag);
      }
    }
    console.log(`\nDocument cache on the ${label}: first download (built, ${curricula} curricula) against ${repeats} repeats and ${repeats} revalidations each; medians in ms, HTTP on loopback`);
    console.log(`${"document".padEnd(31)} ${"first".padStart(8)} ${"repeat".padStart(8)} ${"faster".padStart(7)} ${"304".padStart(7)} ${"faster".padStart(7)}`);
    // The target is for documents whose build costs something (Chromium, packaging): a CSV built in 2 ms cannot be
    // 50 times faster from memory than from scratch, as the request itself costs most of a millisecond.
    const ratios: number[] = [];
    for (const [name, path] of documents) {
      const first: number[] = [];
      const again: number[] = [];
      const revalidated: number[] = [];
      for (const id of ids) {
        const built = await timed(path(id));
        first.push(built.ms);
        for (let i = 0; i < repeats; i++) {
          again.push((await timed(path(id))).ms);
          revalidated.push((await timed(path(id), built.etag)).ms);
        }
      }
      const [f, a, r] = [first, again, revalidated].map((t) => summary(t).median) as [number, number, number];
      if (f > 50) ratios.push(f / a);
      console.log(`${name.padEnd(31)} ${fmt(f).padStart(8)} ${fmt(a).padStart(8)} ${`${fmt(f / a, 0)}x`.padStart(7)} ${fmt(r).padStart(7)} ${`${fmt(f / r, 0)}x`.padStart(7)}`);
    }
    console.log(`slowest repeat gain among documents that take over 50 ms to build: ${fmt(Math.min(...ratios), 0)}x (target: at least 50x)`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  }
}
