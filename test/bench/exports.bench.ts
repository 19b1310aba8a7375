import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readConfig } from "../../src/config.js";
import { loadCatalog } from "../../src/content/index.js";
import { EXPORT_FORMATS } from "../../src/exports/registry.js";
import { DocumentCache } from "../../src/render/document-cache.js";
import { PdfRenderer } from "../../src/render/pdf-renderer.js";
import { LowdbCurriculumRepository, MemoryAccountRepository } from "../../src/store/index.js";
import { createApp } from "../../src/web/app.js";
import { asBrowser, seedOrganisations } from "../support/accounts.js";
import { fmt, summary } from "./stats.js";

/**
 * The document cache: the first download of a document (built: HTML, Chromium, packaging) against repeated
 * downloads of the same version (from memory), through HTTP on loopback, per document and format. Each first
 * download is of a curriculum no one has asked for yet, so it is cold.
 */
export async function benchExports(curricula = 4, repeats = 10): Promise<void> {
  const config = readConfig();
  const catalog = await loadCatalog(config.contentDir);
  const dir = await mkdtemp(join(tmpdir(), "bench-exports-"));
  const store = await LowdbCurriculumRepository.open(dir);
  const renderer = new PdfRenderer({ executablePath: config.chromiumPath, concurrency: 2, maxQueue: 16 });
  await renderer.start();
  const accounts = new MemoryAccountRepository();
  const [org] = await seedOrganisations({ accounts, store });
  const app = asBrowser(createApp({ catalog, store, accounts, pdf: renderer, documentCache: new DocumentCache(256 * 1024 * 1024), log: () => {} }), org!.people.admin);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const ids: string[] = [];
    for (let i = 0; i < curricula; i++) {
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
    const timed = async (path: string) => {
      const start = performance.now();
      const res = await fetch(`${base}${path}`);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      return performance.now() - start;
    };
    console.log(`Document cache: first download (cold, ${curricula} curricula) against ${repeats} repeats each, medians in ms, HTTP on loopback`);
    console.log(`${"document".padEnd(26)} ${"first".padStart(8)} ${"repeat".padStart(8)} ${"faster".padStart(8)}`);
    // The target is for documents whose build costs something (Chromium, packaging): a CSV built in 2 ms cannot be
    // 50 times faster from memory than from scratch, as the request itself costs about a millisecond.
    const ratios: number[] = [];
    for (const [name, path] of documents) {
      const first: number[] = [];
      const again: number[] = [];
      for (const id of ids) {
        first.push(await timed(path(id)));
        for (let i = 0; i < repeats; i++) again.push(await timed(path(id)));
      }
      const ratio = summary(first).median / summary(again).median;
      if (summary(first).median > 50) ratios.push(ratio);
      console.log(`${name.padEnd(26)} ${fmt(summary(first).median).padStart(8)} ${fmt(summary(again).median).padStart(8)} ${`${fmt(ratio, 0)}x`.padStart(8)}`);
    }
    console.log(`slowest gain among documents that take over 50 ms to build: ${fmt(Math.min(...ratios), 0)}x (target: at least 50x)`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await renderer.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
