import type { Catalog } from "../content/index.js";
import { DIFFICULTY_RANK, isPractical, mandatoryApplies, scenarioMinutes, type CourseSpec, type OrderEnd, type Scenario } from "../domain/index.js";
import type { CourseItem } from "./assemble.js";
import { coversTopic, creditedPractice, scenarioFits, trainerPlaysColleague } from "./course-topics.js";
import { ceil5 } from "./pick.js";
import { matchesEnd } from "./select.js";

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
  const wants = rules.mandatory.filter((m) => mandatoryApplies(m, spec)).map((m) => ({ topic: m.topic, as: m.as, trainerPlays: m.trainerPlays }));
  const core = catalog.competencies.filter((c) => c.core).map((c) => c.id);
  const coreCounts = spec.totalHours >= rules.core.practisedFromHours;
  const endMatches = (item: CourseItem, scenario: Scenario | undefined, end: OrderEnd) => matchesEnd({ template: item.template, scenarioId: scenario?.id }, end, catalog);
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
  // Keyed by number: the search asks for facts many thousand times, and string keys cost more than the answer.
  const known = new Map<number, Facts>();
  const sectorNumber = new Map<Scenario, number>();
  const numberOf = (scenario: Scenario) => {
    let x = sectorNumber.get(scenario);
    if (x === undefined) sectorNumber.set(scenario, (x = sectorNumber.size));
    return x;
  };
  const factsOf = (position: number, k: number, scenario: Scenario): Facts => {
    const key = (position * items.length + k) * 1024 + numberOf(scenario);
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
  for (const k of practice) {
    const own = catalog.scenario(items[k]!.scenarioId!)!;
    scenariosFor.set(k, [own, ...sector.filter((s) => s !== own && scenarioFits(items[k]!.template, s, spec.tiers))]);
  }
  // Numbers for scenarios and days, so that the cost below allocates nothing: it runs thousands of times.
  const scenarioNumber = new Map<string, number>();
  for (const list of scenariosFor.values()) for (const x of list) if (!scenarioNumber.has(x.id)) scenarioNumber.set(x.id, scenarioNumber.size);
  const dayNumbers = new Map<string, number>();
  const dayOf = practice.map((i) => {
    if (!dayNumbers.has(dates[i]!)) dayNumbers.set(dates[i]!, dayNumbers.size);
    return dayNumbers.get(dates[i]!)!;
  });
  const S = scenarioNumber.size;
  const number = (f: Facts) => scenarioNumber.get(f.scenario.id)!;
  // The scenarios (numbers) that fit an item at a slot, as the audit counts an unplayed one that fits.
  const fitsAt = new Map<number, number[]>();
  const fittingAt = (slot: number, k: number): number[] => {
    const key = slot * items.length + k;
    let list = fitsAt.get(key);
    if (!list) fitsAt.set(key, (list = scenariosFor.get(k)!.slice(1).filter((x) => factsOf(practice[slot]!, k, x).fitsPlace).map((x) => scenarioNumber.get(x.id)!)));
    return list;
  };

  // The state, by slot (the practice places in course order): the item there and its facts.
  const n = practice.length;
  const at = practice.slice();
  const choice = practice.map((i) => factsOf(i, i, scenariosFor.get(i)![0]!));
  const methodOf = (slot: number) => (items[at[slot]!]!.template.method === "simulation" ? 1 : 0);
  const coreMark = new Uint32Array(core.length);
  const dayMark = new Uint32Array(dayNumbers.size * S);
  const usedMark = new Uint32Array(S);
  const seenMark = new Uint32Array(S);
  const playedAgain = new Uint32Array(S);
  const lowest = new Array<number>(n).fill(-1);
  const hardest = new Array<number>(n).fill(Infinity);
  const rankOf: number[] = [];
  for (const list of scenariosFor.values()) for (const x of list) rankOf[scenarioNumber.get(x.id)!] = DIFFICULTY_RANK[x.difficulty];
  let stamp = 0;
  /** Marks the slots in trouble (a repeat on a day, a needless replay) into `troubled` when given. */
  const cost = (troubled?: number[]): number => {
    stamp += 1;
    let hard = 0;
    for (let w = 0; w < wants.length; w++) {
      if (fixedWants[w]) continue;
      let covered = false;
      for (let s = 0; s < n && !covered; s++) covered = choice[s]!.wants[w]!;
      if (!covered) hard += 1;
    }
    // Ordering rules: the first session of `then` must not come before the first of `first`.
    for (let r = 0; r < rules.order.length; r++) {
      let first = fixedFirst[r]!;
      let then = fixedThen[r]!;
      for (let s = 0; s < n; s++) {
        const f = choice[s]!;
        const place = practice[s]!;
        if (f.first[r] && place < first) first = place;
        if (f.then[r] && place < then) then = place;
      }
      if (then !== Infinity && first > then) hard += 1;
    }
    if (firstSlot >= 0 && !choice[firstSlot]!.opensPractice) hard += 1;
    const highest = [-1, -1];
    for (const c of fixedCore) coreMark[c] = stamp;
    let coreSeen = fixedCore.size;
    let soft = 0;
    for (let s = 0; s < n; s++) {
      const f = choice[s]!;
      if (!f.prerequisitesMet || !f.fitsPlace) hard += 1;
      const m = methodOf(s);
      lowest[s] = highest[m]!;
      if (f.rank < highest[m]!) hard += 1;
      if (f.rank > highest[m]!) highest[m] = f.rank;
      for (const c of f.core) {
        if (coreMark[c] !== stamp) {
          coreMark[c] = stamp;
          coreSeen += 1;
        }
      }
      // What a trainer notices: a repeat on one day.
      const x = number(f);
      const key = dayOf[s]! * S + x;
      if (dayMark[key] === stamp) {
        soft += 1;
        troubled?.push(s);
      }
      dayMark[key] = stamp;
      usedMark[x] = stamp;
    }
    if (coreCounts) hard += core.length - coreSeen;
    // And a replay while a scenario that fits one of its sessions (the first as much as the rest) waits unplayed.
    for (let s = 0; s < n; s++) {
      const x = number(choice[s]!);
      if (seenMark[x] === stamp) playedAgain[x] = stamp;
      seenMark[x] = stamp;
    }
    // Where each session stands from easy to hard: no harder than the easiest after it (the first practice: introductory).
    const easiestAfter = [Infinity, Infinity];
    for (let s = n - 1; s >= 0; s--) {
      const m = methodOf(s);
      hardest[s] = s === firstSlot ? 0 : easiestAfter[m]!;
      easiestAfter[m] = Math.min(easiestAfter[m]!, choice[s]!.rank);
    }
    for (let s = 0; s < n; s++) {
      if (playedAgain[number(choice[s]!)] !== stamp) continue;
      for (const other of fittingAt(s, at[s]!)) {
        if (usedMark[other] !== stamp && rankOf[other]! >= lowest[s]! && rankOf[other]! <= hardest[s]!) {
          soft += 1;
          troubled?.push(s);
          break;
        }
      }
    }
    return hard * HARD + soft * SOFT;
  };
  const firstSlot = practice.indexOf(firstPractical);

  let current = cost();
  const softOf = (value: number) => value % HARD;
  // Most courses play every scenario once: nothing to search.
  if (softOf(current) === 0) return items.map((it) => ({ ...it }));
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
  // Nor may an exchange put a session next to another run of itself (the neighbours, de-roling aside).
  const neighbours = (place: number) => [place - 1, place + 1].map((q) => (items[q]?.template.purpose === "deroling" ? q + (q < place ? -1 : 1) : q));
  /** Whether item k, moved to `place` from `away`, would sit beside another run of its own session. */
  const besideItself = (place: number, k: number, away: number) =>
    neighbours(place).some((q) => q !== away && q >= 0 && q < items.length && itemAt(q).template.id === items[k]!.template.id);
  const slotOf = new Map(practice.map((place, slot) => [place, slot]));
  const itemAt = (place: number) => (slotOf.has(place) ? items[at[slotOf.get(place)!]!]! : items[place]!);
  /** The moves that involve the session at slot i, the first that lowers the cost taken. */
  const improve = (i: number): boolean => {
    const mine = choice[i]!;
    const k = at[i]!;
    const place = practice[i]!;
    // Another scenario here.
    for (const scenario of scenariosFor.get(k)!) {
      if (scenario !== mine.scenario && tryMove(() => (choice[i] = factsOf(place, k, scenario)), () => (choice[i] = mine))) return true;
    }
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const theirs = choice[j]!;
      const l = at[j]!;
      const otherPlace = practice[j]!;
      const restore = () => {
        at[i] = k;
        at[j] = l;
        choice[i] = mine;
        choice[j] = theirs;
      };
      if (theirs.scenario !== mine.scenario && scenariosFor.get(l)!.includes(mine.scenario)) {
        // Exchange scenarios with another session of the method.
        if (scenariosFor.get(k)!.includes(theirs.scenario)) {
          const exchange = () => {
            choice[i] = factsOf(place, k, theirs.scenario);
            choice[j] = factsOf(otherPlace, l, mine.scenario);
          };
          if (tryMove(exchange, restore)) return true;
        }
        // A chain of two: another scenario here, and the one given up to that session. (Playing a scenario again
        // in an easy morning frees the one a later session of the same day needs.)
        for (const scenario of scenariosFor.get(k)!) {
          if (scenario === mine.scenario || scenario === theirs.scenario) continue;
          const chain = () => {
            choice[i] = factsOf(place, k, scenario);
            choice[j] = factsOf(otherPlace, l, mine.scenario);
          };
          if (tryMove(chain, restore)) return true;
        }
      }
      // The other way round: this session takes that one's scenario, and that one another.
      if (theirs.scenario !== mine.scenario && scenariosFor.get(k)!.includes(theirs.scenario)) {
        for (const scenario of scenariosFor.get(l)!) {
          if (scenario === mine.scenario || scenario === theirs.scenario) continue;
          const chain = () => {
            choice[i] = factsOf(place, k, theirs.scenario);
            choice[j] = factsOf(otherPlace, l, scenario);
          };
          if (tryMove(chain, restore)) return true;
        }
      }
      // Exchange places with a session of another day that can run as long (the timetable stays as it is).
      if (dayOf[i] !== dayOf[j] && exchangeable(items[k]!, items[l]!) && !besideItself(place, l, otherPlace) && !besideItself(otherPlace, k, place)) {
        const move = () => {
          at[i] = l;
          at[j] = k;
          choice[i] = factsOf(place, l, theirs.scenario);
          choice[j] = factsOf(otherPlace, k, mine.scenario);
        };
        if (tryMove(move, restore)) return true;
      }
    }
    return false;
  };
  for (let step = 0; step < 100 && softOf(current) > 0; step++) {
    const troubled: number[] = [];
    cost(troubled);
    // The sessions in trouble, and those that share their scenario (either side of a repeat may be the one to move).
    const involved = new Set<number>();
    for (const s of troubled) {
      for (let t = 0; t < n; t++) if (choice[t]!.scenario === choice[s]!.scenario) involved.add(t);
    }
    if (![...involved].some(improve)) break;
  }
  return items.map((it, i) => {
    const slot = practice.indexOf(i);
    return slot >= 0 ? { ...items[at[slot]!]!, minutes: it.minutes, scenarioId: choice[slot]!.scenario.id } : { ...it };
  });
}
