import { benchPlan } from "./plan.bench.js";

/** npm run bench [-- name]: runs the benchmarks (all, or the one named). */
const benches: Record<string, () => Promise<void>> = { plan: () => benchPlan() };
const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  await run();
}
