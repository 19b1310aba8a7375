import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readConfig } from "../../src/config.js";
import { loadCatalog } from "../../src/content/index.js";
import { courseSpecSchemaFor } from "../../src/domain/index.js";
import { plan } from "../../src/planner/index.js";
import { LowdbCurriculumRepository } from "../../src/store/index.js";
import { fmt, summary } from "./stats.js";

/** Start-up figures of the store in `dir`, which holds `stored` curricula. */
interface StartUp {
  stored: number;
  /** Median seconds until open resolves, with the index (the normal start-up). */
  indexed: number;
  /** Median seconds until open resolves without the index (deleted first): every file read and validated. */
  fullScan: number;
  /** Seconds from an indexed open until its background validation of every file is done. */
  validated: number;
}

/** Seconds `run` takes. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

/**
 * Times start-up of the closed store in `dir`: `opens` opens with its index, and `scans` without it (today's full
 * scan, as after an upgrade or with the index lost); each open is closed before the next (the close stops the
 * background validation and writes the index again).
 */
async function benchStartUp(dir: string, stored: number, opens: number, scans: number): Promise<StartUp> {
  const indexed: number[] = [];
  for (let i = 0; i < opens; i++) {
    let store: LowdbCurriculumRepository | undefined;
    indexed.push(await timed(async () => (store = await LowdbCurriculumRepository.open(dir))));
    await store!.close();
  }
  const start = performance.now();
  const validating = await LowdbCurriculumRepository.open(dir);
  const report = await validating.whenValidated();
  const validated = (performance.now() - start) / 1000;
  await validating.close();
  if (report.checked !== stored || report.damaged.length > 0) throw new Error(`background validation checked ${report.checked} of ${stored} files, ${report.damaged.length} damaged`);
  const fullScan: number[] = [];
  for (let i = 0; i < scans; i++) {
    await rm(join(dir, "store-index.json"), { force: true });
    let store: LowdbCurriculumRepository | undefined;
    fullScan.push(await timed(async () => (store = await LowdbCurriculumRepository.open(dir))));
    await store!.close();
  }
  return { stored, indexed: summary(indexed).median, fullScan: summary(fullScan).median, validated };
}

/**
 * The embedded store's save latency (a versioned update of a 16-hour curriculum) at 100, 1,000 and 10,000 stored
 * curricula, and its start-up time at each size: with its index (normal) and without (every file validated).
 * The stored curricula are one planned curriculum saved again and again under new ids.
 */
export async function benchStore(sizes = [100, 1_000, 10_000], saves = 200, opens = 5, scans = 3): Promise<void> {
  const catalog = await loadCatalog(readConfig().contentDir);
  const spec = courseSpecSchemaFor(catalog.ids).parse({ title: "Store bench", sector: "healthcare", totalHours: 16, startDate: "2027-01-04" });
  const sample = plan(spec, catalog, { id: randomUUID(), now: new Date() });
  const dir = await mkdtemp(join(tmpdir(), "bench-store-"));
  let store = await LowdbCurriculumRepository.open(dir);
  let count = 0;
  const startUps: StartUp[] = [];
  console.log(`Store: ${saves} sequential saves per size; file per curriculum ${fmt(JSON.stringify(sample).length / 1024, 1)} KiB`);
  console.log("stored   save median ms  save p95 ms  open s");
  for (const size of sizes) {
    while (count < size) {
      const batch = Array.from({ length: Math.min(200, size - count) }, () => store.create({ ...sample, id: randomUUID() }));
      await Promise.all(batch);
      count += batch.length;
    }
    await store.close();
    const openStart = performance.now();
    store = await LowdbCurriculumRepository.open(dir);
    const openSeconds = (performance.now() - openStart) / 1000;
    // Saves are timed once the background validation is over: the steady state, not the first seconds after start-up.
    await store.whenValidated();
    const target = { ...sample, id: randomUUID() };
    await store.create(target);
    count += 1;
    const samples: number[] = [];
    for (let i = 0; i < saves; i++) {
      const start = performance.now();
      await store.update({ ...target, title: `save ${i}` }, i + 1);
      samples.push(performance.now() - start);
    }
    const s = summary(samples);
    console.log(`${String(size).padStart(6)}   ${fmt(s.median).padStart(14)}  ${fmt(s.p95).padStart(11)}  ${fmt(openSeconds).padStart(6)}`);
    await store.close();
    startUps.push(await benchStartUp(dir, count, opens, scans));
    store = await LowdbCurriculumRepository.open(dir);
  }
  await store.close();
  await rm(dir, { recursive: true, force: true });

  console.log(`\nStart-up (until open resolves and the list is served): median of ${opens} opens with the index, ${scans} without it (full scan)`);
  console.log("stored   with index s  full scan s  speed-up  background validation done s");
  for (const r of startUps) {
    console.log(
      `${String(r.stored).padStart(6)}   ${fmt(r.indexed, 3).padStart(12)}  ${fmt(r.fullScan, 3).padStart(11)}  ${`${fmt(r.fullScan / r.indexed, 1)}x`.padStart(8)}  ${fmt(r.validated, 2).padStart(28)}`,
    );
  }
}
