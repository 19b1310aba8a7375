import type { Catalog } from "../content/index.js";
import { isPractical, type CourseSpec, type Curriculum } from "../domain/index.js";
import { assemble, type AssembledCurriculum } from "./assemble.js";
import { distributeMinutes, floor5, ceil5, type Pick } from "./pick.js";
import { orderPicks } from "./order.js";
import { PlanningError } from "./planning-error.js";
import { SCHEDULE_RULES } from "./schedule.js";
import { bestByGain, buildPool, Selection, type Pool } from "./select.js";
import { priorities, type Priorities } from "./weights.js";

import { MIN_PRACTICAL_SHARE, PRACTICAL_SHARE_TOLERANCE } from "./constants.js";

export interface PlanContext {
  /** The id the curriculum will be stored under. */
  id: string;
  /** The clock reading to stamp it with (the planner never reads the clock). */
  now: Date;
}

/** Everything a course must have whatever its length: structure, core content, both practical methods, every level. */
function mandatorySelection(spec: CourseSpec, pool: Pool, prio: Priorities, catalog: Catalog): Selection {
  const all = new Map(catalog.sessions.map((t) => [t.id, t]));
  const selection = new Selection(spec, pool, prio);
  const must = (ok: boolean, what: string) => {
    if (!ok) throw new PlanningError(`The content cannot provide ${what} for the ${spec.sector} sector at the chosen levels.`);
  };
  must(selection.addWithPrerequisites(pool.opening, all), "an opening session");
  must(selection.addWithPrerequisites(pool.closing, all), "a closing session");

  const everything = () => true;
  // Input for every core competency, then practice of each.
  for (;;) {
    const missing = prio.core.filter((c) => !selection.introduced.has(c));
    if (missing.length === 0) break;
    const pick = bestByGain(selection, pool.theory, everything, new Set(missing));
    must(pick !== undefined, `a session introducing ${missing.join(", ")}`);
    must(selection.addWithPrerequisites(pick!.template, all), `the prerequisites of ${pick!.template.id}`);
  }
  for (;;) {
    const practised = selection.practised();
    const missing = prio.core.filter((c) => !practised.has(c));
    if (missing.length === 0) break;
    const pick = bestByGain(selection, pool.practical, everything, new Set(missing));
    must(pick !== undefined, `practice of ${missing.join(", ")}`);
    must(selection.addWithPrerequisites(pick!.template, all), `the prerequisites of ${pick!.template.id}`);
  }
  for (const method of ["role-play", "simulation"] as const) {
    if (selection.picks.some((p) => p.template.method === method)) continue;
    const options = pool.practical.filter((t) => t.method === method);
    const pick = bestByGain(selection, options, everything) ?? options.map((t) => selection.candidate(t)).find((p) => p !== undefined);
    must(pick !== undefined, `a ${method} with a ${spec.sector} scenario`);
    must(selection.addWithPrerequisites(pick!.template, all), `the prerequisites of ${pick!.template.id}`);
  }
  // Every chosen ERNST level gets at least one session.
  for (const tier of spec.tiers) {
    if (selection.tiers.has(tier)) continue;
    const options = [...pool.theory, ...pool.practical].filter((t) => t.tiers.includes(tier));
    const candidates = options.map((t) => selection.candidate(t)).filter((p): p is Pick => p !== undefined);
    candidates.sort((a, b) => a.min - b.min || selection.gain(b.template) - selection.gain(a.template) || a.id.localeCompare(b.id));
    must(candidates[0] !== undefined, `a session at the "${tier}" level`);
    must(selection.addWithPrerequisites(candidates[0]!.template, all), `the prerequisites of ${candidates[0]!.template.id}`);
  }
  return selection;
}

/** Fills both budgets with the most valuable sessions; undefined when this practical budget cannot be met exactly. */
function fill(
  base: Selection,
  pool: Pool,
  catalog: Catalog,
  phases: readonly (ReadonlySet<string> | undefined)[],
  theoryBudget: number,
  practicalBudget: number,
): Selection | undefined {
  const all = new Map(catalog.sessions.map((t) => [t.id, t]));
  const selection = base.clone();
  const theoryMin = () => selection.minutes("theory", "min") + selection.heavyCount() * pool.deroling.minutes.min;
  const theoryMax = () => selection.minutes("theory", "max") + selection.heavyCount() * pool.deroling.minutes.max;
  const practicalMin = () => selection.minutes("practical", "min");
  const practicalMax = () => selection.minutes("practical", "max");
  if (theoryMin() > theoryBudget || practicalMin() > practicalBudget) return undefined;

  // Input first (what it introduces decides what practice can count); in each, the sector's emphasis first, then
  // the designer's focus domains, then anything else of value.
  // Sessions are added while they fit at the length they are written for, so a course is not a row of squeezed
  // sessions; the minimums only decide whether the mandatory content fits at all.
  const theoryPreferred = () => selection.minutes("theory", "preferred") + selection.heavyCount() * pool.deroling.minutes.default;
  const practicalPreferred = () => selection.minutes("practical", "preferred");
  const slack = () => theoryBudget - Math.max(theoryMin(), theoryPreferred());
  const theoryFits = (p: Pick) => Math.max(theoryMin(), theoryPreferred()) + selection.costWithPrerequisites(p.template, all) <= theoryBudget;
  const practicalFits = (p: Pick) =>
    Math.max(practicalMin(), practicalPreferred()) + p.preferred <= practicalBudget && (!p.template.heavy || slack() >= pool.deroling.minutes.default);
  for (const only of phases) {
    for (;;) {
      const pick = bestByGain(selection, pool.theory, theoryFits, only);
      if (!pick || !selection.addWithPrerequisites(pick.template, all)) break;
    }
  }
  for (const only of phases) {
    for (;;) {
      const pick = bestByGain(selection, pool.practical, practicalFits, only);
      if (!pick) break;
      selection.add(pick);
    }
  }
  // Long courses: more practice with new scenarios, varied by method, until the budget can be met.
  while (practicalMax() < practicalBudget) {
    const options = pool.practical
      .map((t) => selection.candidate(t))
      .filter(
        (p): p is Pick =>
          p !== undefined &&
          practicalMin() + p.min <= practicalBudget &&
          (!p.template.heavy || theoryBudget - theoryMin() >= pool.deroling.minutes.min) &&
          selection.practisable(p.template).length > 0,
      )
      .sort((a, b) => selection.uses(a.template.id) - selection.uses(b.template.id) || b.max - a.max || a.id.localeCompare(b.id));
    if (!options[0]) return undefined;
    selection.add(options[0]);
  }
  while (theoryMax() < theoryBudget) {
    const options = pool.theory
      .map((t) => selection.candidate(t))
      .filter((p): p is Pick => p !== undefined && theoryMin() + p.min <= theoryBudget)
      .sort((a, b) => selection.uses(a.template.id) - selection.uses(b.template.id) || b.max - a.max || a.id.localeCompare(b.id));
    if (!options[0]) return undefined;
    selection.addWithPrerequisites(options[0].template, all);
  }
  if (theoryMin() > theoryBudget) return undefined;
  return selection;
}

/** One de-roling pick per heavy practical session, with ids that stay unique. */
function withDerolings(selection: Selection, pool: Pool): Pick[] {
  const derolings: Pick[] = [];
  for (let i = 0; i < selection.heavyCount(); i++) {
    const { min, max, default: preferred } = pool.deroling.minutes;
    derolings.push({ id: i === 0 ? pool.deroling.id : `${pool.deroling.id}-${i + 1}`, template: pool.deroling, min, preferred, max });
  }
  return [...selection.picks, ...derolings];
}

/** Plans at one total; throws PlanningError when the hours cannot hold what the course must contain. */
function planAt(spec: CourseSpec, catalog: Catalog): AssembledCurriculum {
  const contact = spec.totalHours * 60;
  const pool = buildPool(spec, catalog);
  const prio = priorities(spec, catalog);
  const base = mandatorySelection(spec, pool, prio, catalog);
  const target = Math.max(MIN_PRACTICAL_SHARE, spec.practicalShare);
  const lowest = ceil5(target * contact);
  const highest = floor5((target + PRACTICAL_SHARE_TOLERANCE) * contact);
  const focus = new Set(catalog.competencies.filter((c) => spec.focusDomains.includes(c.domainId)).map((c) => c.id));
  const phases = [prio.emphasised, focus.size > 0 ? focus : prio.emphasised, undefined];

  for (let practicalBudget = lowest; practicalBudget <= highest; practicalBudget += 5) {
    const selection = fill(base, pool, catalog, phases, contact - practicalBudget, practicalBudget);
    if (!selection) continue;
    const picks = withDerolings(selection, pool);
    const theory = picks.filter((p) => !isPractical(p.template.method));
    const practical = picks.filter((p) => isPractical(p.template.method));
    const theoryMinutes = distributeMinutes(theory, contact - practicalBudget);
    const practicalMinutes = distributeMinutes(practical, practicalBudget);
    if (!theoryMinutes || !practicalMinutes) continue;
    const minutes = new Map<Pick, number>();
    theory.forEach((p, i) => minutes.set(p, theoryMinutes[i]!));
    practical.forEach((p, i) => minutes.set(p, practicalMinutes[i]!));

    const ordered = orderPicks(picks, catalog, { opening: pool.opening.id, closing: pool.closing.id, deroling: pool.deroling.id });
    return assemble(
      ordered.map((p) => ({ id: p.id, template: p.template, minutes: minutes.get(p)!, scenarioId: p.scenarioId })),
      spec,
      catalog,
    );
  }
  throw new PlanningError(`${spec.totalHours} hours cannot hold the required sessions at a practical share of ${Math.round(target * 100)}%.`);
}

/** The fewest hours (in half-hour steps, up to 80) at which this spec can be planned, or undefined. */
export function minimumHours(spec: CourseSpec, catalog: Catalog): number | undefined {
  for (let hours = 4; hours <= 80; hours += 0.5) {
    try {
      planAt({ ...spec, totalHours: hours }, catalog);
      return hours;
    } catch (error) {
      if (!(error instanceof PlanningError)) throw error;
    }
  }
  return undefined;
}

/**
 * Turns a validated course spec into a scheduled curriculum. Pure and deterministic: the same spec, catalog and
 * context give the same curriculum. Throws PlanningError (with the minimum hours when there is one) when the
 * hours cannot hold the chosen levels and the core competencies: core content is never dropped silently.
 */
export function plan(spec: CourseSpec, catalog: Catalog, context: PlanContext): Curriculum {
  let planned;
  try {
    planned = planAt(spec, catalog);
  } catch (error) {
    if (!(error instanceof PlanningError)) throw error;
    const minimum = minimumHours(spec, catalog);
    if (minimum === undefined) throw error;
    throw new PlanningError(
      `${spec.totalHours} hours are too few for the core competencies and the chosen ERNST levels (${spec.tiers.join(", ")}) ` +
        `at ${Math.round(Math.max(MIN_PRACTICAL_SHARE, spec.practicalShare) * 100)}% practical: this course needs at least ${minimum} hours.`,
      minimum,
    );
  }
  const stamp = context.now.toISOString();
  return { id: context.id, version: 1, createdAt: stamp, updatedAt: stamp, ...planned };
}

export { SCHEDULE_RULES };
