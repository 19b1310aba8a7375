import { performance } from "node:perf_hooks";
import { readConfig } from "../../src/config.js";
import { loadCatalog } from "../../src/content/index.js";
import { courseSpecSchemaFor } from "../../src/domain/index.js";
import { plan } from "../../src/planner/index.js";
import { fmt, summary } from "./stats.js";

/**
 * plan() for 4, 16, 40 and 80 hours: median and p95 per call, and the peak heap seen while planning.
 * All sizes run interleaved in one process, so machine noise hits them alike.
 */
export async function benchPlan(rounds = 300): Promise<void> {
  const catalog = await loadCatalog(readConfig().contentDir);
  const schema = courseSpecSchemaFor(catalog.ids);
  const hours = [4, 16, 40, 80];
  const specs = hours.map((totalHours) =>
    schema.parse({ title: "Benchmark", sector: "healthcare", tiers: ["self-care", "professional-support"], totalHours, startDate: "2027-01-04", maxHoursPerDay: 6 }),
  );
  const context = { id: "bench", now: new Date("2026-11-26T10:00:00Z") };
  for (let i = 0; i < 30; i++) for (const spec of specs) plan(spec, catalog, context); // warm-up

  const samples = hours.map(() => [] as number[]);
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  for (let round = 0; round < rounds; round++) {
    specs.forEach((spec, i) => {
      const start = performance.now();
      plan(spec, catalog, context);
      samples[i]!.push(performance.now() - start);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    });
  }
  console.log(`plan(): ${rounds} calls per size, interleaved (Node ${process.version})`);
  console.log("hours  sessions  median ms  p95 ms");
  specs.forEach((spec, i) => {
    const s = summary(samples[i]!);
    const sessions = plan(spec, catalog, context).sessions.length;
    console.log(`${String(hours[i]).padStart(5)}  ${String(sessions).padStart(8)}  ${fmt(s.median).padStart(9)}  ${fmt(s.p95).padStart(6)}`);
  });
  console.log(`heap: ${fmt(baseline / 2 ** 20, 1)} MiB before, peak ${fmt(peak / 2 ** 20, 1)} MiB while planning`);
}
