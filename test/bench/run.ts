import { benchHttp } from "./http.bench.js";
import { benchPdf } from "./pdf.bench.js";
import { benchPlan } from "./plan.bench.js";
import { benchStore } from "./store.bench.js";
import { benchHttpInstances, benchStorePostgres } from "./postgres.bench.js";
import { surveyPlanner } from "./survey.js";
import { benchExports } from "./exports.bench.js";

/** npm run bench [-- name ...]: runs the benchmarks (all, or those named: plan, store, http, pdf, exports, survey). */
const benches: Record<string, () => Promise<void>> = {
  plan: () => benchPlan(),
  // The embedded store alone, then PostgreSQL against it.
  store: async () => {
    await benchStore();
    await benchStorePostgres();
  },
  // The app in-process against bare Express, then the real server: embedded, PostgreSQL, two instances.
  http: async () => {
    await benchHttp();
    await benchHttpInstances();
  },
  pdf: () => benchPdf(),
  exports: () => benchExports(),
  survey: () => surveyPlanner(),
};
const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  await run();
}
