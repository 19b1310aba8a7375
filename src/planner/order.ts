import { DIFFICULTY_RANK, isPractical } from "../domain/index.js";
import type { Catalog } from "../content/index.js";
import type { Pick } from "./pick.js";
import { matchesEnd } from "./select.js";

/** The structural picks of a course, placed by rule rather than chosen for content. */
export interface Structure {
  opening: string;
  closing: string;
  deroling: string;
  checkIn: string;
  station?: string | undefined;
}

/**
 * Puts the picks in teaching order along the course arc of content/course-rules.json. Each step places, among the
 * picks whose conditions hold, the one earliest in the arc (its phase; input before practice within a phase;
 * easier scenarios first). A pick's conditions: its prerequisites are placed; a practical pick comes after input
 * that introduces what it practises; the ordering rules' first parts come before their second parts (a PFA model
 * and listening before any practice, suicide risk before practice with suicidal content, a model taught before it
 * is practised); the first practice is the introductory first conversation; and a practice waits for those of
 * its method with easier scenarios (easy to hard). Heavy practice is followed
 * directly by de-roling; the station and the closing end the course. Check-ins are left out: the timetable puts
 * one at the start of every day after the first.
 */
export function orderPicks(picks: readonly Pick[], catalog: Catalog, structure: Structure, dailyMinutes = Infinity): Pick[] {
  const rules = catalog.rules;
  const phaseIndex = new Map(rules.phases.map((p, i) => [p.id, i]));
  const opening = picks.find((p) => p.template.id === structure.opening)!;
  const closing = picks.find((p) => p.template.id === structure.closing)!;
  const station = structure.station ? picks.find((p) => p.template.id === structure.station) : undefined;
  const derolings = picks.filter((p) => p.template.id === structure.deroling);
  const structural = new Set<Pick>([opening, closing, ...derolings, ...(station ? [station] : [])]);
  const body = picks.filter((p) => !structural.has(p) && p.template.id !== structure.checkIn);

  const difficulty = (p: Pick) => (p.scenarioId ? DIFFICULTY_RANK[catalog.scenario(p.scenarioId)!.difficulty] : 0);
  // Input on what must come early in the arc (the second-victim phenomenon) ranks with the foundations, whatever
  // its own phase (a sector's pathway case study that explains the phenomenon).
  const foundations = Math.min(1, phaseIndex.size);
  // So does input that must fall on the first day before any practice (listening, a PFA model).
  const firstDayTopics = rules.order.filter((o) => o.onFirstDay && "topic" in o.first).map((o) => (o.first as { topic: string }).topic);
  // Only the first session on each such topic moves up: a second one on the same topic keeps its own place.
  const coveredSoFar = new Set<string>();
  const early = (p: Pick) => !isPractical(p.template.method) && p.template.topics.some((t) => (rules.arc.early.topics.includes(t) || firstDayTopics.includes(t)) && !coveredSoFar.has(t));
  const phaseOf = (p: Pick) => {
    const index = phaseIndex.get(p.template.phase) ?? phaseIndex.size;
    return early(p) ? Math.min(index, foundations) : index;
  };
  // Within the foundations, the early-arc topics (the second-victim phenomenon) come first.
  // then the input the first day must hold (listening, a PFA model), then the rest.
  const earliest = (p: Pick) => {
    if (isPractical(p.template.method)) return 2;
    if (p.template.topics.some((t) => rules.arc.early.topics.includes(t) && !coveredSoFar.has(t))) return 0;
    return p.template.topics.some((t) => firstDayTopics.includes(t) && !coveredSoFar.has(t)) ? 1 : 2;
  };
  // A scenario played again waits for another day (estimated from the written lengths), so that a long course's
  // repeats do not fall on the same day.
  const dayAt = (minutes: number) => Math.floor(minutes / dailyMinutes);
  const recent = (p: Pick) => {
    if (!p.scenarioId) return 0;
    let minutes = 0;
    const today = dayAt(sequence.reduce((sum, q) => sum + q.preferred, 0));
    for (const q of sequence) {
      if (q.scenarioId === p.scenarioId && dayAt(minutes) === today) return 1;
      minutes += q.preferred;
    }
    return 0;
  };
  // After a long run of input, a practice that is ready comes next, whatever its phase: participants practise on
  // every day rather than listen for a whole day first.
  let inputRun = 0;
  // And after a long run of practice, input that is ready: a day of back-to-back role-plays exhausts a group and
  // the scenarios that fit.
  let practiceRun = 0;
  const due = (p: Pick) => (isPractical(p.template.method) ? inputRun >= rules.arc.inputRunMinutes : practiceRun >= rules.arc.practiceRunMinutes);
  // The same session twice in a row (two handover role-plays back to back) waits for something else in between,
  // even from a later phase.
  let last: Pick | undefined;
  const again = (p: Pick) => (last && last.template.id === p.template.id ? 1 : 0);
  const rank = (p: Pick): number[] => [again(p), due(p) ? -1 : phaseOf(p), isPractical(p.template.method) ? 1 : 0, earliest(p), difficulty(p), recent(p)];
  const byTemplate = new Map<string, Pick>();
  for (const p of body) if (!byTemplate.has(p.template.id)) byTemplate.set(p.template.id, p);
  // The first practice: a practice of the topic on an introductory scenario (or none), which nothing easier precedes.
  const firstPractice = body.filter((p) => isPractical(p.template.method) && matchesEnd(p, { topic: rules.arc.firstPractice, as: "practised" }, catalog) && difficulty(p) === 0);

  const sequence: Pick[] = [opening];
  const placed = new Set<Pick>([opening]);
  const introduced = new Set(opening.template.introduces);
  const spareDerolings = [...derolings];

  // What each pick waits for, worked out once: the input that introduces its credits, the first parts of the
  // ordering rules it falls under, and (easy to hard) the practice of its method on easier scenarios.
  const introducers = new Map<string, Pick[]>();
  for (const t of body) {
    if (isPractical(t.template.method)) continue;
    for (const c of t.template.introduces) introducers.set(c, [...(introducers.get(c) ?? []), t]);
  }
  const rulesFirst = rules.order.map((rule) => body.filter((t) => matchesEnd(t, rule.first, catalog)));
  const waitsFor = new Map<Pick, { input: [string, Pick[]][]; firsts: Pick[][]; easier: Pick[] }>();
  for (const p of body) {
    const practical = isPractical(p.template.method);
    waitsFor.set(p, {
      input: practical ? p.credits.map((c): [string, Pick[]] => [c, introducers.get(c) ?? []]).filter(([, list]) => list.length > 0) : [],
      firsts: rules.order.flatMap((rule, r) => (matchesEnd(p, rule.then, catalog) ? [rulesFirst[r]!.filter((t) => t !== p)] : [])).filter((list) => list.length > 0),
      easier: practical && p.scenarioId ? body.filter((q) => q !== p && q.scenarioId && q.template.method === p.template.method && difficulty(q) < difficulty(p)) : [],
    });
  }

  const ready = (p: Pick): boolean => {
    if (p.template.prerequisites.some((id) => byTemplate.has(id) && !placed.has(byTemplate.get(id)!))) return false;
    const waits = waitsFor.get(p)!;
    if (isPractical(p.template.method)) {
      // Input first: a practice waits for the input that introduces what it is credited with, when the course has it.
      for (const [c, list] of waits.input) if (!introduced.has(c) && list.some((t) => !placed.has(t))) return false;
      if (firstPractice.length > 0 && !firstPractice.includes(p) && !firstPractice.some((f) => placed.has(f))) return false;
      // Easy to hard within a method: a practice waits for every one of its method with an easier scenario.
      if (waits.easier.some((q) => !placed.has(q))) return false;
    }
    for (const firsts of waits.firsts) if (!firsts.some((t) => placed.has(t))) return false;
    return true;
  };
  /** The earliest in the arc among the unplaced picks that pass `eligible` (each ranked once; ties: body order). */
  const earliestOf = (eligible: (p: Pick) => boolean): Pick | undefined => {
    let next: Pick | undefined;
    let nextRank: number[] = [];
    for (const p of body) {
      if (placed.has(p) || !eligible(p)) continue;
      const r = rank(p);
      let earlier = next === undefined;
      for (let i = 0; i < r.length && !earlier; i++) {
        if (r[i] !== nextRank[i]) {
          earlier = r[i]! < nextRank[i]!;
          break;
        }
      }
      if (earlier) {
        next = p;
        nextRank = r;
      }
    }
    return next;
  };

  while (body.some((p) => !placed.has(p))) {
    // Conditions that cannot all hold (a content cycle) must not stall the course: then the earliest in the arc.
    const next = earliestOf(ready) ?? earliestOf(() => true);
    placed.add(next!);
    sequence.push(next!);
    inputRun = isPractical(next!.template.method) ? 0 : inputRun + next!.preferred;
    practiceRun = isPractical(next!.template.method) ? practiceRun + next!.preferred : 0;
    last = next;
    if (!isPractical(next!.template.method)) for (const t of next!.template.topics) coveredSoFar.add(t);
    for (const c of next!.template.introduces) introduced.add(c);
    if (next!.template.heavy) {
      const deroling = spareDerolings.shift();
      if (deroling) sequence.push(deroling);
    }
  }
  // The same session twice in a row can remain when nothing else was left to put between (two handover
  // role-plays at the end): the first of the two moves before the session that precedes it, when it does not wait
  // for that one.
  const waitsOn = (x: Pick, y: Pick) => {
    const waits = waitsFor.get(x);
    if (!waits || x.template.prerequisites.includes(y.template.id) || waits.easier.includes(y) || (firstPractice.includes(y) && !firstPractice.includes(x))) return true;
    const before = new Set(sequence.slice(0, sequence.indexOf(y)));
    return [...waits.input.map(([, list]) => list), ...waits.firsts].some((list) => list.includes(y) && !list.some((t) => before.has(t)));
  };
  for (let i = 3; i < sequence.length; i++) {
    const [y, x, z] = [sequence[i - 2]!, sequence[i - 1]!, sequence[i]!];
    if (x.template.id !== z.template.id || !body.includes(y) || y.template.heavy || x.template.heavy || sequence[i - 3]!.template.id === x.template.id || waitsOn(x, y)) continue;
    sequence[i - 2] = x;
    sequence[i - 1] = y;
  }
  sequence.push(...spareDerolings);
  if (station) sequence.push(station);
  sequence.push(closing);
  return sequence;
}
