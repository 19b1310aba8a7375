import type { Catalog } from "../content/index.js";
import { appliesToSector, DIFFICULTY_RANK, isPractical, scenarioMinutes, type CourseSpec, type OrderEnd, type Scenario } from "../domain/index.js";
import type { CourseItem } from "./assemble.js";
import { coversTopic, creditedPractice, scenarioFits, trainerPlaysColleague } from "./course-topics.js";
import { ceil5 } from "./pick.js";

/** What one practice session would bring with one candidate scenario, worked out once per pair. */
interface Facts {
  scenario: Scenario;
  rank: number;
  /** Per course want: whether the session covers it with this scenario. */
  wants: boolean[];
  /** Per ordering rule: whether the session is that rule's `first`, and its `then`. */
  first: boolean[];
  then: boolean[];
  /** The core competencies (their indexes) the session is credited with practising, after their input. */
  core: number[];
  /** Whether it can open the practice: the first conversation, on an introductory scenario. */
  opensPractice: boolean;
  /** Whether the sessions it requires come before this position. */
  prerequisitesMet: boolean;
  /** Whether the scenario's brief, play and debrief fit the minutes of the position. */
  fitsPlace: boolean;
}

const HARD = 1_000_000;
const SOFT = 100;

/**
 * Chooses the scenario of every role-play and simulation once the course's order and days are known, so that what
 * a trainer checks holds: no scenario twice on one day, no scenario played again while one that fits the session
 * is unplayed, practice still from easy to hard within each method. It never trades a course rule for that: the
 * mandatory content a scenario carries (a trainer-played suicide disclosure, a warm handover), the ordering rules
 * (suicide risk taught before suicidal content), the first practice, prerequisites, and the practice of every core
 * competency weigh more than any repeat in the search.
 *
 * A local search from the selection's choices. Its moves: another scenario for one session; two sessions exchange
 * scenarios; two sessions of one method and weight (heavy or not) on different days, each able to run as long as
 * the other, exchange places and lengths, which leaves the timetable as it is. It takes the first move that lowers the cost, until none does.
 * A session's candidates are the sector's scenarios that fit it (scenarioFits); the brief, play and debrief must fit
 * the minutes of its place; the station's scenario is never one. Pure: returns the items in their (possibly exchanged) order
 * with their scenarios, as new objects.
 */
export function assignScenarios(
  items: readonly CourseItem[],
  dates: readonly string[],
  spec: CourseSpec,
  catalog: Catalog,
  stationScenarioId: string | undefined,
): CourseItem[] {
  const practice = items.map((_, i) => i).filter((i) => items[i]!.scenarioId && items[i]!.template.scenario && items[i]!.template.purpose === "content");
  if (practice.length < 2) return items.map((it) => ({ ...it }));

  const rules = catalog.rules;
  const wants = rules.mandatory.filter((m) => spec.totalHours >= m.fromHours && appliesToSector(m.sectors, spec.sector)).map((m) => ({ topic: m.topic, as: m.as, trainerPlays: m.trainerPlays }));
  const core = catalog.competencies.filter((c) => c.core).map((c) => c.id);
  const coreCounts = spec.totalHours >= rules.core.practisedFromHours;
  const endMatches = (item: CourseItem, scenario: Scenario | undefined, end: OrderEnd) => ("anyPractice" in end ? isPractical(item.template.method) : coversTopic(item.template, scenario, end.topic, end.as));
  // What is introduced before each position: input never moves in the search (only practice exchanges places).
  const introducedBefore: ReadonlySet<string>[] = [];
  const placedBefore: ReadonlySet<string>[] = [];
  {
    const introduced = new Set<string>();
    const placed = new Set<string>();
    for (const it of items) {
      introducedBefore.push(new Set(introduced));
      placedBefore.push(new Set(placed));
      for (const c of it.template.introduces) introduced.add(c);
      if (!practiceIndex(it)) placed.add(it.template.id);
    }
  }
  function practiceIndex(it: CourseItem) {
    return it.scenarioId !== undefined && it.template.scenario !== undefined && it.template.purpose === "content";
  }
  const firstPractical = items.findIndex((it) => isPractical(it.template.method));

  // The parts of each rule that the sessions outside the search hold whatever happens.
  const inSearch = new Set(practice);
  const scenarioOf = (i: number) => (items[i]!.scenarioId ? catalog.scenario(items[i]!.scenarioId!) : undefined);
  const outside = items.map((_, i) => i).filter((i) => !inSearch.has(i));
  const fixedWants = wants.map((w) => outside.some((i) => coversTopic(items[i]!.template, scenarioOf(i), w.topic, w.as) && (!w.trainerPlays || trainerPlaysColleague(scenarioOf(i)))));
  const firstOutside = (end: OrderEnd) => outside.find((i) => endMatches(items[i]!, scenarioOf(i), end)) ?? Infinity;
  const fixedFirst = rules.order.map((o) => firstOutside(o.first));
  const fixedThen = rules.order.map((o) => firstOutside(o.then));
  const fixedCore = new Set<number>();
  for (const i of outside) {
    if (!isPractical(items[i]!.template.method)) continue;
    for (const c of creditedPractice(items[i]!.template, scenarioOf(i))) if (introducedBefore[i]!.has(c) && core.includes(c)) fixedCore.add(core.indexOf(c));
  }

  // What a session (item k) brings at a position with a scenario, worked out once per triple.
  const sector = catalog.scenarios.filter((s) => s.sector === spec.sector && s.id !== stationScenarioId);
  const known = new Map<string, Facts>();
  const factsOf = (position: number, k: number, scenario: Scenario): Facts => {
    const key = `${position}|${k}|${scenario.id}`;
    let facts = known.get(key);
    if (facts) return facts;
    const item = items[k]!;
    facts = {
      scenario,
      rank: DIFFICULTY_RANK[scenario.difficulty],
      wants: wants.map((w) => coversTopic(item.template, scenario, w.topic, w.as) && (!w.trainerPlays || trainerPlaysColleague(scenario))),
      first: rules.order.map((o) => endMatches(item, scenario, o.first)),
      then: rules.order.map((o) => endMatches(item, scenario, o.then)),
      core: creditedPractice(item.template, scenario).filter((c) => introducedBefore[position]!.has(c)).map((c) => core.indexOf(c)).filter((x) => x >= 0),
      opensPractice: coversTopic(item.template, scenario, rules.arc.firstPractice, "practised") && scenario.difficulty === "introductory",
      prerequisitesMet: item.template.prerequisites.every((id) => placedBefore[position]!.has(id) || !items.some((it) => it.template.id === id)),
      // The place's minutes: a session that moves takes the length of the place it moves to.
      fitsPlace: ceil5(scenarioMinutes(scenario)) <= items[position]!.minutes,
    };
    known.set(key, facts);
    return facts;
  };
  // Each session's scenarios: the selection's own first (kept even where it falls short, so the search never does
  // worse), then every other that fits.
  const scenariosFor = new Map<number, Scenario[]>();
  const fitting = new Map<number, Set<string>>();
  for (const k of practice) {
    const own = catalog.scenario(items[k]!.scenarioId!)!;
    const others = sector.filter((s) => s !== own && scenarioFits(items[k]!.template, s, spec.tiers));
    scenariosFor.set(k, [own, ...others]);
    fitting.set(k, new Set(others.map((s) => s.id)));
  }

  // The state: which item sits at each practice position, and its facts there.
  const at = new Map(practice.map((i) => [i, i]));
  const choice = new Map(practice.map((i) => [i, factsOf(i, i, scenariosFor.get(i)![0]!)]));
  const cost = (): number => {
    let hard = 0;
    wants.forEach((_, w) => {
      if (!fixedWants[w] && !practice.some((i) => choice.get(i)!.wants[w])) hard += 1;
    });
    // Ordering rules: the first session of `then` must not come before the first of `first`.
    rules.order.forEach((_, r) => {
      let first = fixedFirst[r]!;
      let then = fixedThen[r]!;
      for (const i of practice) {
        const f = choice.get(i)!;
        if (f.first[r] && i < first) first = i;
        if (f.then[r] && i < then) then = i;
      }
      if (then !== Infinity && first > then) hard += 1;
    });
    if (inSearch.has(firstPractical) && !choice.get(firstPractical)!.opensPractice) hard += 1;
    const highest = new Map<string, number>();
    const coreSeen = new Set(fixedCore);
    for (const i of practice) {
      const f = choice.get(i)!;
      if (!f.prerequisitesMet || !f.fitsPlace) hard += 1;
      const method = items[i]!.template.method;
      if (f.rank < (highest.get(method) ?? -1)) hard += 1;
      highest.set(method, Math.max(f.rank, highest.get(method) ?? -1));
      for (const c of f.core) coreSeen.add(c);
    }
    if (coreCounts) hard += core.length - coreSeen.size;
    // What a trainer notices: a repeat on one day, a replay while a fitting scenario waits unplayed.
    let soft = 0;
    const used = new Set<string>();
    const onDay = new Set<string>();
    for (const i of practice) {
      const id = choice.get(i)!.scenario.id;
      const key = `${dates[i]}|${id}`;
      if (onDay.has(key)) soft += 1;
      onDay.add(key);
      used.add(id);
    }
    const seen = new Set<string>();
    for (const i of practice) {
      const id = choice.get(i)!.scenario.id;
      if (seen.has(id)) {
        for (const other of fitting.get(at.get(i)!)!) {
          if (!used.has(other) && factsOf(i, at.get(i)!, catalog.scenario(other)!).fitsPlace) {
            soft += 1;
            break;
          }
        }
      }
      seen.add(id);
    }
    return hard * HARD + soft * SOFT;
  };

  let current = cost();
  // Most courses play every scenario once and meet every rule already: nothing to search.
  const tryMove = (apply: () => void, undo: () => void): boolean => {
    apply();
    const next = cost();
    if (next < current) {
      current = next;
      return true;
    }
    undo();
    return false;
  };
  // Two sessions can exchange places when each can run as long as the other's place (the timetable stays).
  const runsAs = (a: CourseItem, minutes: number) => a.template.minutes.min <= minutes && minutes <= a.template.minutes.max;
  const exchangeable = (a: CourseItem, b: CourseItem) => a.template.method === b.template.method && a.template.heavy === b.template.heavy && runsAs(a, b.minutes) && runsAs(b, a.minutes);
  for (let step = 0; step < 200 && current > 0; step++) {
    let improved = false;
    search: for (const i of practice) {
      const mine = choice.get(i)!;
      const k = at.get(i)!;
      // Another scenario here.
      for (const scenario of scenariosFor.get(k)!) {
        if (scenario === mine.scenario) continue;
        if (tryMove(() => choice.set(i, factsOf(i, k, scenario)), () => choice.set(i, mine))) {
          improved = true;
          break search;
        }
      }
      // A chain of two: another scenario here, and the one this session gives up to another session. (Playing a
      // scenario again in an easy morning frees the one a later session of the same day needs.)
      for (const scenario of scenariosFor.get(k)!) {
        if (scenario === mine.scenario) continue;
        for (const j of practice) {
          const theirs = choice.get(j)!;
          const l = at.get(j)!;
          if (j === i || theirs.scenario === mine.scenario || !scenariosFor.get(l)!.includes(mine.scenario)) continue;
          const chained = tryMove(
            () => {
              choice.set(i, factsOf(i, k, scenario));
              choice.set(j, factsOf(j, l, mine.scenario));
            },
            () => {
              choice.set(i, mine);
              choice.set(j, theirs);
            },
          );
          if (chained) {
            improved = true;
            break search;
          }
        }
      }
      for (const j of practice) {
        if (j <= i) continue;
        const theirs = choice.get(j)!;
        const l = at.get(j)!;
        // Exchange scenarios with another session of the method.
        if (theirs.scenario !== mine.scenario && items[l]!.template.method === items[k]!.template.method && scenariosFor.get(l)!.includes(mine.scenario) && scenariosFor.get(k)!.includes(theirs.scenario)) {
          const exchanged = tryMove(
            () => {
              choice.set(i, factsOf(i, k, theirs.scenario));
              choice.set(j, factsOf(j, l, mine.scenario));
            },
            () => {
              choice.set(i, mine);
              choice.set(j, theirs);
            },
          );
          if (exchanged) {
            improved = true;
            break search;
          }
        }
        // Exchange places with a session of another day that runs as long (the timetable stays as it is).
        if (dates[i] !== dates[j] && exchangeable(items[k]!, items[l]!)) {
          const moved = tryMove(
            () => {
              at.set(i, l);
              at.set(j, k);
              choice.set(i, factsOf(i, l, theirs.scenario));
              choice.set(j, factsOf(j, k, mine.scenario));
            },
            () => {
              at.set(i, k);
              at.set(j, l);
              choice.set(i, mine);
              choice.set(j, theirs);
            },
          );
          if (moved) {
            improved = true;
            break search;
          }
        }
      }
    }
    if (!improved) break;
  }
  return items.map((it, i) => (inSearch.has(i) ? { ...items[at.get(i)!]!, minutes: it.minutes, scenarioId: choice.get(i)!.scenario.id } : { ...it }));
}
