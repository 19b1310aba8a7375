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

/**
 * The embedded store's save latency (a versioned update of a 16-hour curriculum) at 100, 1,000 and 10,000 stored
 * curricula, and the start-up time (open + validate every file) at each size.
 */
export async function benchStore(sizes = [100, 1_000, 10_000], saves = 200): Promise<void> {
  const catalog = await loadCatalog(readConfig().contentDir);
  const spec = courseSpecSchemaFor(catalog.ids).parse({ title: "Store bench", sector: "healthcare", totalHours: 16, startDate: "2027-01-04" });
  const sample = plan(spec, catalog, { id: randomUUID(), now: new Date() });
  const dir = await mkdtemp(join(tmpdir(), "bench-store-"));
  let store = await LowdbCurriculumRepository.open(dir);
  let count = 0;
  console.log(`Store: ${saves} sequential saves per size; file per curriculum ${fmt(JSON.stringify(sample).length / 1024, 1)} KiB`);
  console.log("stored   save median ms  save p95 ms  open (validate all) s");
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
    console.log(`${String(size).padStart(6)}   ${fmt(s.median).padStart(14)}  ${fmt(s.p95).padStart(11)}  ${fmt(openSeconds).padStart(21)}`);
  }
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
