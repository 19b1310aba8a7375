import { performance } from "node:perf_hooks";
import { readConfig } from "../../src/config.js";
import { loadCatalog } from "../../src/content/index.js";
import { courseSpecSchemaFor, WEEKDAYS } from "../../src/domain/index.js";
import { plan, PlanningError } from "../../src/planner/index.js";
import { fmt, summary } from "./stats.js";

/** A small seeded generator (mulberry32), so a survey can be replayed with SURVEY_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Not a speed benchmark: plans many random valid specs (every sector, 4-80 hours, any day shape, group size and
 * levels) and counts how often each rule of the course audit is not met, and how often planning is refused and why.
 * This is how the planner's known gaps are measured; SURVEY_SEED and SURVEY_RUNS replay or widen a survey.
 */
export async function surveyPlanner(runs = Number(process.env.SURVEY_RUNS ?? 400)): Promise<void> {
  const catalog = await loadCatalog(readConfig().contentDir);
  const schema = courseSpecSchemaFor(catalog.ids);
  const next = random(Number(process.env.SURVEY_SEED ?? 1));
  const pickOf = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const subset = <T>(xs: readonly T[]) => xs.filter(() => next() < 0.5);
  const notMet = new Map<string, { count: number; example: string }>();
  const refused = new Map<string, number>();
  const times: number[] = [];
  let planned = 0;
  for (let i = 0; i < runs; i++) {
    const days = subset(WEEKDAYS);
    const raw = {
      title: `Survey ${i}`,
      sector: pickOf(catalog.ids.sectors),
      tiers: subset(catalog.ids.tiers),
      totalHours: Math.floor(8 + next() * 153) / 2,
      practicalShare: Math.floor(40 + next() * 41) / 100,
      startDate: "2027-03-01",
      days: days.length > 0 ? days : ["mon"],
      dayStart: pickOf(["07:30", "08:00", "09:00", "10:00", "13:00"]),
      maxHoursPerDay: Math.floor(4 + next() * 13) / 2,
      groupSize: Math.floor(4 + next() * 27),
    };
    const parsed = schema.safeParse(raw);
    if (!parsed.success) continue; // a day that would run past midnight: not a plannable request
    const spec = parsed.data;
    const start = performance.now();
    try {
      const c = plan(spec, catalog, { id: "survey", now: new Date("2026-11-29T00:00:00Z") });
      times.push(performance.now() - start);
      planned += 1;
      for (const a of c.audit ?? []) {
        if (a.status !== "not-met") continue;
        const seen = notMet.get(a.rule) ?? { count: 0, example: `${JSON.stringify(raw)} -> ${a.detail}` };
        // SURVEY_RULE=<rule> prints every course that misses it.
        if (process.env.SURVEY_RULE === a.rule) console.log(`${a.rule}: ${JSON.stringify(raw)} -> ${a.detail}`);
        seen.count += 1;
        notMet.set(a.rule, seen);
      }
    } catch (error) {
      if (!(error instanceof PlanningError)) throw error;
      const kind = error.constructor.name + (error.minimumHours ? " (names a minimum)" : "");
      refused.set(kind, (refused.get(kind) ?? 0) + 1);
    }
  }
  const s = summary(times);
  console.log(`${runs} specs: ${planned} planned (median ${fmt(s.median)} ms, p95 ${fmt(s.p95)} ms), refused: ${JSON.stringify(Object.fromEntries(refused))}`);
  for (const [rule, { count, example }] of [...notMet].sort((a, b) => b[1].count - a[1].count)) {
    console.log(`${String(count).padStart(5)}  ${rule}\n       e.g. ${example}`);
  }
  if (notMet.size === 0) console.log("every planned course meets every rule of the audit");
}
