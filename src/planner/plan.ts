import type { Catalog } from "../content/index.js";
import { isPractical, mandatoryApplies, type CourseSpec, type Curriculum, type TopicUse } from "../domain/index.js";
import { assemble, timetableFor, type AssembledCurriculum, type CourseItem } from "./assemble.js";
import { assignScenarios } from "./scenario-assignment.js";
import { coversTopic, trainerPlaysColleague } from "./course-topics.js";
import { distributeMinutes, floor5, ceil5, type Pick } from "./pick.js";
import { orderPicks } from "./order.js";
import { favourTurns } from "./practice.js";
import { PlanningError, ScheduleError } from "./planning-error.js";
import { assertFullDays, daysAskedFor, fitToDays } from "./schedule.js";
import { bestByGain, buildPool, Selection, type Pool } from "./select.js";
import { priorities, type Priorities } from "./weights.js";

import { MIN_PRACTICAL_SHARE, PRACTICAL_SHARE_TOLERANCE } from "./constants.js";

export interface PlanContext {
  /** The id the curriculum will be stored under. */
  id: string;
  /** The clock reading to stamp it with (the planner never reads the clock). */
  now: Date;
}

/** A topic the course must cover, and how. */
interface Want {
  topic: string;
  as: TopicUse;
  trainerPlays: boolean;
  /** The first practice opens the practice: its scenario must be an introductory one. */
  introductory?: boolean;
  what: string;
}

/** What the course rules make mandatory at this length and sector, and the first practice (an introductory first conversation). */
function courseWants(spec: CourseSpec, catalog: Catalog): Want[] {
  const mandatory = catalog.rules.mandatory.filter((m) => mandatoryApplies(m, spec));
  return [
    ...mandatory.map((m) => ({ topic: m.topic, as: m.as, trainerPlays: m.trainerPlays, what: m.label })),
    { topic: catalog.rules.arc.firstPractice, as: "practised" as const, trainerPlays: false, introductory: true, what: "an introductory first conversation" },
  ];
}

/** Everything a course must have whatever its length: structure, core content, both practical methods, every level. */
function mandatorySelection(spec: CourseSpec, pool: Pool, prio: Priorities, catalog: Catalog): Selection {
  const all = new Map(catalog.sessions.map((t) => [t.id, t]));
  const selection = new Selection(spec, pool, prio, catalog);
  const must = (ok: boolean, what: string) => {
    if (!ok) throw new PlanningError(`The content cannot provide ${what} for the ${spec.sector} sector at the chosen levels.`);
  };
  must(selection.addWithPrerequisites(pool.opening, all), "an opening session");
  must(selection.addWithPrerequisites(pool.closing, all), "a closing session");
  // A check-in opens every day after the first; certifying courses schedule the final practical station.
  for (let day = 1; day < daysAskedFor(spec); day++) selection.add(fixedPick(pool.checkIn, day - 1));
  if (spec.totalHours >= catalog.rules.assessment.stationFromHours && pool.station) selection.add(fixedPick(pool.station, 0));

  // The content the course rules make mandatory at this length and sector: each time the session that covers the
  // most of what is still missing per minute (a healthcare pathway case study covers four topics at once).
  const coversWant = (p: Pick, want: Want) => {
    const scenario = p.scenarioId ? catalog.scenario(p.scenarioId) : undefined;
    return coversTopic(p.template, scenario, want.topic, want.as) && (!want.trainerPlays || trainerPlaysColleague(scenario)) && (!want.introductory || scenario?.difficulty !== "advanced" && scenario?.difficulty !== "intermediate");
  };
  for (;;) {
    const missing = courseWants(spec, catalog).filter((want) => !selection.picks.some((p) => coversWant(p, want)));
    if (missing.length === 0) break;
    let best: Pick | undefined;
    let bestScore = 0;
    for (const t of [...pool.theory, ...pool.practical]) {
      const p = selection.candidate(t);
      if (!p) continue;
      const gain = missing.filter((want) => coversWant(p, want)).length;
      if (gain === 0) continue;
      const score = gain / selection.costWithPrerequisites(t, all);
      if (score > bestScore + 1e-9) {
        best = p;
        bestScore = score;
      }
    }
    must(best !== undefined, missing[0]!.what);
    must(selection.addWithPrerequisites(best!.template, all), `the prerequisites of ${best!.template.id}`);
  }

  const everything = () => true;
  // Input for every core competency, then practice of each.
  for (;;) {
    const missing = prio.core.filter((c) => !selection.introduced.has(c));
    if (missing.length === 0) break;
    const pick = bestByGain(selection, pool.theory, everything, new Set(missing));
    must(pick !== undefined, `a session introducing ${missing.join(", ")}`);
    must(selection.addWithPrerequisites(pick!.template, all), `the prerequisites of ${pick!.template.id}`);
  }
  // Practice of each, from the length the course rules set.
  for (; spec.totalHours >= catalog.rules.core.practisedFromHours; ) {
    const practised = selection.practised();
    const missing = prio.core.filter((c) => !practised.has(c));
    if (missing.length === 0) break;
    const fresh = (p: Pick) => selection.scenarioUseCount(p.scenarioId) === 0;
    const pick = bestByGain(selection, pool.practical, fresh, new Set(missing)) ?? bestByGain(selection, pool.practical, everything, new Set(missing));
    must(pick !== undefined, `practice of ${missing.join(", ")}`);
    must(selection.addWithPrerequisites(pick!.template, all), `the prerequisites of ${pick!.template.id}`);
  }
  for (const method of ["role-play", "simulation"] as const) {
    if (selection.picks.some((p) => p.template.method === method)) continue;
    // The one that costs least with what it brings (a simulation with suicidal content brings the suicide input),
    // then the one that covers most.
    const pick = pool.practical
      .filter((t) => t.method === method)
      .map((t) => selection.candidate(t))
      .filter((p): p is Pick => p !== undefined)
      .sort((a, b) => selection.costWithPrerequisites(a.template, all) - selection.costWithPrerequisites(b.template, all) || selection.gain(b.template) - selection.gain(a.template) || a.id.localeCompare(b.id))[0];
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

/** A structural pick whose length is fixed at its template's default (day check-ins, the station). */
function fixedPick(t: Pick["template"], n: number): Pick {
  const minutes = t.minutes.default;
  return { id: n === 0 ? t.id : `${t.id}-${n + 1}`, template: t, credits: [], min: minutes, preferred: minutes, max: minutes };
}

/**
 * Lays the course out on its days, chooses each practice session's scenario for those days (no scenario twice on a
 * day, no replay while a fitting one is unplayed, easy to hard: see assignScenarios), and assembles it. The
 * scenarios do not move the timetable, so it is laid out once.
 */
function assembleWithScenarios(items: CourseItem[], spec: CourseSpec, catalog: Catalog, pool: Pool): AssembledCurriculum {
  const timetable = timetableFor(items, spec, catalog);
  const assigned = assignScenarios(items, timetable.dates, spec, catalog, pool.stationScenario?.id);
  // Exchanged sessions run as long as each other, so the timetable holds: each place gets the item now there.
  const now = new Map(items.map((item, i) => [item, assigned[i]!]));
  const sequence = timetable.sequence.map((entry) => ({ ...entry, item: now.get(entry.item) ?? entry.item }));
  return assemble(assigned, spec, catalog, { timetable: { ...timetable, sequence } });
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
  // De-roling runs at most its written length (with heavy practice it must fit one block).
  const theoryMax = () => selection.minutes("theory", "max") + selection.heavyCount() * pool.deroling.minutes.default;
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
  // A practice that needs input first by the ordering rules (suicide risk taught before suicidal content) brings it.
  const needsMinutes = (p: Pick) => selection.orderingNeeds(p)?.reduce((sum, t) => sum + (selection.candidate(t)?.preferred ?? Infinity), 0) ?? Infinity;
  const practicalFits = (p: Pick) =>
    Math.max(practicalMin(), practicalPreferred()) + p.preferred <= practicalBudget &&
    (!p.template.heavy || slack() >= pool.deroling.minutes.default) &&
    needsMinutes(p) <= slack() - (p.template.heavy ? pool.deroling.minutes.default : 0);
  for (const only of phases) {
    for (;;) {
      const pick = bestByGain(selection, pool.theory, theoryFits, only);
      if (!pick || !selection.addWithPrerequisites(pick.template, all)) break;
    }
  }
  for (const only of phases) {
    for (;;) {
      // A session on a fresh scenario first; one that would replay a scenario only when no fresh one is of value.
      const fresh = (p: Pick) => selection.scenarioUseCount(p.scenarioId) === 0 && practicalFits(p);
      const pick = bestByGain(selection, pool.practical, fresh, only) ?? bestByGain(selection, pool.practical, practicalFits, only);
      if (!pick || !selection.addWithPrerequisites(pick.template, all)) break;
    }
  }
  // Long courses: more practice with new scenarios, varied by method, until the budget can be met with some room
  // to spare, so that minutes can still move between days to fill each day as asked.
  // Days that must be filled to the minute (80 hours on ten 8-hour days) need more room to balance than others.
  const days = daysAskedFor(selection.spec);
  const exactFill = selection.spec.totalHours >= days * selection.spec.maxHoursPerDay - 1;
  const room = (exactFill ? 40 : 10) * (days - 1);
  while (practicalMax() < practicalBudget + room) {
    const options = pool.practical
      .map((t) => selection.candidate(t))
      .filter(
        (p): p is Pick =>
          p !== undefined &&
          practicalMin() + p.min <= practicalBudget &&
          (!p.template.heavy || theoryBudget - theoryMin() >= pool.deroling.minutes.min) &&
          selection.practisable(p.template).length > 0 &&
          selection.orderingNeeds(p)?.length === 0,
      )
      // A fresh scenario first (a long course should not replay one while others wait), then the least-run template.
      .sort((a, b) => selection.scenarioUseCount(a.scenarioId) - selection.scenarioUseCount(b.scenarioId) || selection.uses(a.template.id) - selection.uses(b.template.id) || b.max - a.max || a.id.localeCompare(b.id));
    if (!options[0]) {
      if (practicalMax() >= practicalBudget) break;
      return undefined;
    }
    selection.add(options[0]);
  }
  while (theoryMax() < theoryBudget + room) {
    const options = pool.theory
      .map((t) => selection.candidate(t))
      .filter((p): p is Pick => p !== undefined && theoryMin() + p.min <= theoryBudget)
      .sort((a, b) => selection.uses(a.template.id) - selection.uses(b.template.id) || b.max - a.max || a.id.localeCompare(b.id));
    if (!options[0]) {
      if (theoryMax() >= theoryBudget) break;
      return undefined;
    }
    selection.addWithPrerequisites(options[0].template, all);
  }
  if (theoryMin() > theoryBudget) return undefined;
  return selection;
}

/** One de-roling pick per heavy practical session, with ids that stay unique. */
function withDerolings(selection: Selection, pool: Pool): Pick[] {
  const derolings: Pick[] = [];
  for (let i = 0; i < selection.heavyCount(); i++) {
    const { min, default: preferred } = pool.deroling.minutes;
    // Short enough that heavy practice and its de-roling stay within one block.
    derolings.push({ id: i === 0 ? pool.deroling.id : `${pool.deroling.id}-${i + 1}`, template: pool.deroling, credits: [], min, preferred, max: preferred });
  }
  return [...selection.picks, ...derolings];
}

/** Plans at one total; throws PlanningError when the hours cannot hold what the course must contain. */
function planAt(spec: CourseSpec, catalog: Catalog): AssembledCurriculum {
  assertFullDays(spec, catalog.rules.schedule);
  const contact = spec.totalHours * 60;
  const pool = buildPool(spec, catalog);
  const prio = priorities(spec, catalog);
  const base = mandatorySelection(spec, pool, prio, catalog);
  const target = Math.max(MIN_PRACTICAL_SHARE, spec.practicalShare);
  const lowest = ceil5(target * contact);
  const highest = floor5((target + PRACTICAL_SHARE_TOLERANCE) * contact);
  const focus = new Set(catalog.competencies.filter((c) => spec.focusDomains.includes(c.domainId)).map((c) => c.id));
  const phases = [prio.emphasised, focus.size > 0 ? focus : prio.emphasised, undefined];

  const structure = { opening: pool.opening.id, closing: pool.closing.id, deroling: pool.deroling.id, checkIn: pool.checkIn.id, station: pool.station?.id };
  let calendarProblem: ScheduleError | undefined;
  let best: { planned: AssembledCurriculum; missed: number } | undefined;
  let tried = 0;
  let calendarMisses = 0;
  for (let practicalBudget = lowest; practicalBudget <= highest; practicalBudget += 5) {
    const selection = fill(base, pool, catalog, phases, contact - practicalBudget, practicalBudget);
    if (!selection) continue;
    // Order along the arc, then choose scenarios again so that difficulty rises within each method; the station
    // takes a scenario the course does not play.
    const sequence = orderPicks(withDerolings(selection, pool), catalog, structure, spec.maxHoursPerDay * 60);
    const ordered = sequence.map((p) => (p.template.purpose === "station" && pool.stationScenario ? { ...p, scenarioId: pool.stationScenario.id } : p));
    const checkIns = selection.picks.filter((p) => p.template.purpose === "check-in");
    const picks = [...ordered, ...checkIns];
    const theory = picks.filter((p) => !isPractical(p.template.method));
    const practical = picks.filter((p) => isPractical(p.template.method));
    const theoryMinutes = distributeMinutes(theory, contact - practicalBudget);
    const distributed = distributeMinutes(practical, practicalBudget);
    if (!theoryMinutes || !distributed) continue;
    // A large group in a short course: practice minutes go where they make supporter turns.
    const practicalMinutes = favourTurns(practical, distributed, spec.groupSize, spec.totalHours, catalog.rules);
    const minutes = new Map<Pick, number>();
    theory.forEach((p, i) => minutes.set(p, theoryMinutes[i]!));
    practical.forEach((p, i) => minutes.set(p, practicalMinutes[i]!));
    // Fit the lengths to the days asked for (moving minutes between days, never between practice and input).
    const fitted = fitToDays(
      ordered.map((p, i) => ({ minutes: minutes.get(p)!, min: p.min, max: p.max, practical: isPractical(p.template.method), keepWithNext: p.template.heavy && i + 1 < ordered.length })),
      daysAskedFor(spec),
      spec.maxHoursPerDay * 60,
      { minutes: pool.checkIn.minutes.default, min: pool.checkIn.minutes.min },
      catalog.rules.schedule.minDayMinutes,
      catalog.rules.schedule.maxBlockMinutes,
    );
    if (fitted) {
      ordered.forEach((p, i) => minutes.set(p, fitted.minutes[i]!));
      checkIns.forEach((p, i) => minutes.set(p, fitted.checkIns[i]!));
      // Fitting the days may have taken minutes from a session in pairs: they move back within each day.
      const dayOf = ordered.map((_, i) => fitted.starts.filter((start) => start <= i).length - 1);
      const practiceAt = ordered.map((p, i) => i).filter((i) => isPractical(ordered[i]!.template.method));
      const moved = favourTurns(practiceAt.map((i) => ordered[i]!), practiceAt.map((i) => minutes.get(ordered[i]!)!), spec.groupSize, spec.totalHours, catalog.rules, practiceAt.map((i) => dayOf[i]!));
      practiceAt.forEach((i, k) => minutes.set(ordered[i]!, moved[k]!));
    }
    try {
      const planned = assembleWithScenarios(
        // The check-ins go along for their minutes; the timetable puts one at the start of each later day.
        [...ordered, ...checkIns].map((p) => ({ id: p.id, template: p.template, minutes: minutes.get(p)!, scenarioId: p.scenarioId })),
        spec,
        catalog,
        pool,
      );
      // The first budget whose course meets every rule of the audit; else, the one that misses fewest.
      const missed = planned.audit!.filter((a) => a.status === "not-met").length;
      if (missed === 0) return planned;
      if (!best || missed < best.missed) best = { planned, missed };
      // A few more budgets may meet everything (more practice minutes give a large group its supporter turns);
      // beyond that, planning time is better spent elsewhere. Short courses plan fast and can try more.
      if (++tried >= (spec.totalHours <= 16 ? 6 : 2)) return best.planned;
    } catch (error) {
      // The chosen days cannot hold this mix of sessions: another practical budget may pack differently.
      if (!(error instanceof ScheduleError)) throw error;
      calendarProblem = error;
      // The days refuse this selection at several budgets in a row: more budgets only cost time.
      if (++calendarMisses >= 16 && !best) throw error;
    }
  }
  if (best) return best.planned;
  if (calendarProblem) throw calendarProblem;
  throw new PlanningError(
    `${spec.totalHours} hours cannot hold the required sessions at a practical share of ${Math.round(target * 100)}% on days of at most ${spec.maxHoursPerDay} hours: ` +
      "choose a lower practical share, more hours or longer days.",
  );
}

/** Whether the content the course must hold fits its minutes at the requested share (before choosing the rest). */
function mandatoryFits(spec: CourseSpec, catalog: Catalog): boolean {
  const pool = buildPool(spec, catalog);
  const base = mandatorySelection(spec, pool, priorities(spec, catalog), catalog);
  const contact = spec.totalHours * 60;
  const practical = ceil5(Math.max(MIN_PRACTICAL_SHARE, spec.practicalShare) * contact);
  const highest = floor5((Math.max(MIN_PRACTICAL_SHARE, spec.practicalShare) + PRACTICAL_SHARE_TOLERANCE) * contact);
  const theoryMin = base.minutes("theory", "min") + base.heavyCount() * pool.deroling.minutes.min;
  return base.minutes("practical", "min") <= highest && theoryMin <= contact - practical;
}

/**
 * The fewest hours above the spec's (in half-hour steps, up to 80) at which it can be planned, or undefined. Above,
 * not from 4: longer courses must hold more (the course rules add content by length), so a shorter course that
 * plans says nothing about this one.
 */
export function minimumHours(spec: CourseSpec, catalog: Catalog): number | undefined {
  // Whole plans are costly on long courses: a few at most, after the cheap look says the content fits.
  let fullPlans = 0;
  for (let hours = spec.totalHours + 0.5; hours <= 80 && fullPlans < 6; hours += 0.5) {
    const longer = { ...spec, totalHours: hours };
    try {
      // A cheap look first (does the mandatory content fit the minutes at all?), the whole plan only when it does.
      if (!mandatoryFits(longer, catalog)) continue;
      fullPlans += 1;
      planAt(longer, catalog);
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
    // Too few days for the hours is said as it is; too few hours for the content names the minimum.
    if (!(error instanceof PlanningError) || error instanceof ScheduleError) throw error;
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

