import {
  DIFFICULTY_RANK,
  type OrderEnd,
  type OrderRule,
  isPractical,
  scenarioCompetencies,
  scenarioMinutes,
  type CourseSpec,
  type Scenario,
  type SessionPurpose,
  type SessionTemplate,
} from "../domain/index.js";
import type { Catalog } from "../content/index.js";
import { coversTopic, creditedPractice, scenarioFits } from "./course-topics.js";
import { ceil5, type Pick } from "./pick.js";
import { PlanningError } from "./planning-error.js";
import type { Priorities } from "./weights.js";

/** Methods that can run again in a long course with new material (a new case, a new scenario). */
const REPEATABLE = new Set(["case-study", "discussion", "reflection", "role-play", "simulation", "supervised-practice"]);


/** The templates and scenarios a course may use: its sector's (or all-sector ones) at the levels it covers. */
export interface Pool {
  opening: SessionTemplate;
  closing: SessionTemplate;
  deroling: SessionTemplate;
  /** Opens every day after the first. */
  checkIn: SessionTemplate;
  /** The final practical assessment of certifying courses, when the content has one for this course. */
  station: SessionTemplate | undefined;
  /** The scenario kept back for the station, so that no session plays it: candidates meet it fresh. */
  stationScenario: Scenario | undefined;
  /** Input and other non-practical content sessions. */
  theory: SessionTemplate[];
  practical: SessionTemplate[];
  scenarios: Scenario[];
  /** Each scenario's competencies (objectives and checklist), computed once. */
  scenarioCompetencies: ReadonlyMap<string, readonly string[]>;
  /** The scenarios that fit a template in this course (computed once per template). */
  fitting(t: SessionTemplate): readonly Scenario[];
  /** The longest run of contact without a break (heavy practice and its de-roling must fit in one). */
  maxBlockMinutes: number;
  /** The scenarios that fit each template, ranked apart from their uses (filled by Selection as it asks). */
  scenarioOptions: Map<SessionTemplate, readonly ScenarioChoice[]>;
}

function servesCourse(t: SessionTemplate, spec: CourseSpec): boolean {
  return (t.sectors === "all" || t.sectors.includes(spec.sector)) && t.tiers.some((tier) => spec.tiers.includes(tier));
}

/**
 * The station's scenario, set aside before any session chooses: of the sector's at the course's levels, at the
 * peer-support level when there is one, a role-play before a simulation, hardest first (the station tests what the
 * course built up to), and never one that a session needing a particular kind (a trainer-played disclosure, three
 * stations) would then lack.
 */
function reserveStationScenario(scenarios: readonly Scenario[], templates: readonly SessionTemplate[], spec: CourseSpec): Scenario | undefined {
  const particular = templates.filter((t) => t.scenario && (t.scenario.requires.length > 0 || t.scenario.trainerPlays));
  const rank = (s: Scenario) => [s.tiers.includes("peer-support") ? 0 : 1, s.method === "role-play" ? 0 : 1, -DIFFICULTY_RANK[s.difficulty]];
  return [...scenarios]
    .sort((a, b) => lexicallyBefore(rank(a), rank(b)) ? -1 : lexicallyBefore(rank(b), rank(a)) ? 1 : a.id.localeCompare(b.id))
    .find((candidate) => particular.every((t) => !scenarioFits(t, candidate, spec.tiers) || scenarios.some((s) => s !== candidate && scenarioFits(t, s, spec.tiers))));
}

export function buildPool(spec: CourseSpec, catalog: Catalog): Pool {
  const eligible = catalog.sessions.filter((t) => servesCourse(t, spec));
  const structural = (purpose: SessionPurpose): SessionTemplate => {
    // A sector's own version wins over the all-sector one.
    const found = eligible.filter((t) => t.purpose === purpose).sort((a, b) => Number(a.sectors === "all") - Number(b.sectors === "all") || a.id.localeCompare(b.id));
    if (!found[0]) throw new PlanningError(`The content has no "${purpose}" session for the ${spec.sector} sector at the chosen levels.`);
    return found[0];
  };
  const content = eligible.filter((t) => t.purpose === "content");
  const sectorScenarios = catalog.scenarios
    .filter((s) => s.sector === spec.sector && s.tiers.some((tier) => spec.tiers.includes(tier)))
    .sort((a, b) => DIFFICULTY_RANK[a.difficulty] - DIFFICULTY_RANK[b.difficulty] || a.id.localeCompare(b.id));
  const station = eligible.find((t) => t.id === catalog.rules.assessment.stationTemplate);
  const stationScenario = station && spec.totalHours >= catalog.rules.assessment.stationFromHours ? reserveStationScenario(sectorScenarios, content, spec) : undefined;
  const scenarios = sectorScenarios.filter((s) => s !== stationScenario);
  const fitting = new Map<string, Scenario[]>();
  return {
    fitting: (t) => {
      let list = fitting.get(t.id);
      if (!list) fitting.set(t.id, (list = scenarios.filter((s) => scenarioFits(t, s, spec.tiers))));
      return list;
    },
    opening: structural("opening"),
    closing: structural("closing"),
    deroling: structural("deroling"),
    checkIn: structural("check-in"),
    station,
    stationScenario,
    theory: content.filter((t) => !isPractical(t.method)),
    practical: content.filter((t) => isPractical(t.method)),
    scenarios,
    maxBlockMinutes: catalog.rules.schedule.maxBlockMinutes,
    scenarioOptions: new Map(),
    scenarioCompetencies: new Map(
      scenarios.map((s) => [s.id, scenarioCompetencies(s)]),
    ),
  };
}

/**
 * The picks of a course as they are chosen, with what they cover so far. Cloned between attempts at different
 * practical budgets, so a failed attempt leaves nothing behind.
 */
export class Selection {
  picks: Pick[] = [];
  introduced = new Set<string>();
  tiers = new Set<string>();
  private counts = new Map<string, number>();
  private scenarioUses = new Map<string, number>();
  /** Running sums of minutes by side, kept as picks are added (the fill loops read them constantly). */
  private sums = { practical: { min: 0, preferred: 0, max: 0 }, theory: { min: 0, preferred: 0, max: 0 } };
  private heavy = 0;
  /** Competencies named by the practical picks, and those of them the course introduces: kept as picks are added. */
  private named = new Set<string>();
  private practisedSet = new Set<string>();

  constructor(
    readonly spec: CourseSpec,
    private readonly pool: Pool,
    private readonly priorities: Priorities,
    private readonly catalog: Catalog,
  ) {}

  clone(): Selection {
    const copy = new Selection(this.spec, this.pool, this.priorities, this.catalog);
    copy.picks = [...this.picks];
    copy.introduced = new Set(this.introduced);
    copy.tiers = new Set(this.tiers);
    copy.counts = new Map(this.counts);
    copy.scenarioUses = new Map(this.scenarioUses);
    copy.sums = { practical: { ...this.sums.practical }, theory: { ...this.sums.theory } };
    copy.heavy = this.heavy;
    copy.named = new Set(this.named);
    copy.practisedSet = new Set(this.practisedSet);
    return copy;
  }

  /** How many sessions of the selection run this scenario (0 for none or no scenario). */
  scenarioUseCount(scenarioId: string | undefined): number {
    return scenarioId ? (this.scenarioUses.get(scenarioId) ?? 0) : 0;
  }

  uses(templateId: string): number {
    return this.counts.get(templateId) ?? 0;
  }

  /** Competencies a practical template would practise: only those the course introduces (input before practice). */
  practisable(t: SessionTemplate): string[] {
    return t.practises.filter((c) => this.introduced.has(c));
  }

  practised(): ReadonlySet<string> {
    return this.practisedSet;
  }

  minutes(side: "practical" | "theory", bound: "min" | "preferred" | "max"): number {
    return this.sums[side][bound];
  }

  heavyCount(): number {
    return this.heavy;
  }

  /** Preferred minutes a template would add with the prerequisites and ordering needs the course does not have yet. */
  costWithPrerequisites(t: SessionTemplate, all: ReadonlyMap<string, SessionTemplate>, seen = new Set<string>()): number {
    const pick = this.candidate(t);
    if (!pick) return Infinity;
    let cost = pick.preferred;
    for (const need of this.orderingNeeds(pick) ?? []) {
      if (seen.has(need.id)) continue;
      seen.add(need.id);
      cost += this.candidate(need)?.preferred ?? Infinity;
    }
    for (const pre of t.prerequisites) {
      const template = all.get(pre);
      if (!template || this.uses(pre) > 0 || seen.has(pre)) continue;
      seen.add(pre);
      cost += this.costWithPrerequisites(template, all, seen);
    }
    return cost;
  }

  /** The scenario a new role-play or simulation of this template would use, or undefined if none fits. */
  scenarioFor(t: SessionTemplate): Scenario | undefined {
    if (!t.scenario) return undefined;
    // The choice depends only on the scenarios' uses so far: remembered until the next pick is added.
    if (this.scenarioChoice.has(t.id)) return this.scenarioChoice.get(t.id);
    const chosen = this.chooseScenario(t);
    this.scenarioChoice.set(t.id, chosen);
    return chosen;
  }

  private readonly scenarioChoice = new Map<string, Scenario | undefined>();
  private readonly candidates = new Map<string, Pick | undefined>();

  private chooseScenario(t: SessionTemplate): Scenario | undefined {
    // Only scenarios that fit; among them the fewest uses (no scenario twice while a fitting one is unused), then
    // one that brings no content the session did not ask for and that needs more teaching first (a suicidal
    // disclosure in a follow-up call), then the closest match, then easier first (the pool is sorted by difficulty).
    // A scenario played again: a harder one, which the arc puts later and spreads over the days.
    let best: ScenarioChoice | undefined;
    let bestUses = 0;
    for (const option of this.scenarioOptions(t)) {
      const uses = this.scenarioUses.get(option.scenario.id) ?? 0;
      if (!best || uses < bestUses || (uses === bestUses && choiceBefore(option, best, uses))) {
        best = option;
        bestUses = uses;
      }
    }
    return best?.scenario;
  }

  /** What ranks the scenarios that fit a template, apart from their uses: the same for the whole course. */
  private scenarioOptions(t: SessionTemplate): readonly ScenarioChoice[] {
    let options = this.pool.scenarioOptions.get(t);
    if (!options) {
      const orderedTopics = this.orderedTopics;
      options = this.pool.fitting(t).map((s) => ({
        scenario: s,
        unasked: s.topics.filter((topic) => orderedTopics.has(topic) && !t.scenario!.requires.includes(topic)).length,
        rank: DIFFICULTY_RANK[s.difficulty],
        overlap: this.pool.scenarioCompetencies.get(s.id)!.filter((c) => t.practises.includes(c)).length,
      }));
      this.pool.scenarioOptions.set(t, options);
    }
    return options;
  }

  /** Topics that the ordering rules make wait for teaching (suicidal content). */
  private get orderedTopics(): ReadonlySet<string> {
    return (this.orderedTopicsCache ??= new Set(this.catalog.rules.order.flatMap((o) => ("topic" in o.then ? [o.then.topic] : []))));
  }
  private orderedTopicsCache: Set<string> | undefined;

  /** Whether the selection holds a session matching one end of an ordering rule (remembered until the next pick). */
  holds(end: OrderEnd): boolean {
    let held = this.held.get(end);
    if (held === undefined) this.held.set(end, (held = this.picks.some((p) => matchesEnd(p, end, this.catalog))));
    return held;
  }
  private readonly held = new Map<OrderEnd, boolean>();

  /**
   * The templates a pick needs before it beyond its prerequisites: for every ordering rule the pick falls under
   * (practice with suicidal content, SAFER-R practised ...) whose first part the selection lacks, the cheapest
   * template that covers it. Undefined when the content has none that can run. Remembered until the next pick.
   */
  orderingNeeds(pick: Pick): SessionTemplate[] | undefined {
    const key = `${pick.template.id}|${pick.scenarioId ?? ""}`;
    if (this.needs.has(key)) return this.needs.get(key);
    const needs = this.newOrderingNeeds(pick);
    this.needs.set(key, needs);
    return needs;
  }
  private readonly needs = new Map<string, SessionTemplate[] | undefined>();

  /** The two shortest picks that would hold a rule's first part (two: a pick may not be its own need). */
  private cheapestFirsts(rule: OrderRule): Pick[] {
    let cheapest = this.firsts.get(rule);
    if (cheapest) return cheapest;
    cheapest = [];
    for (const t of this.pool.theory.concat(this.pool.practical)) {
      const p = this.candidate(t);
      if (!p || !matchesEnd(p, rule.first, this.catalog)) continue;
      cheapest.push(p);
      cheapest.sort((a, b) => a.min - b.min || a.id.localeCompare(b.id));
      cheapest.length = Math.min(cheapest.length, 2);
    }
    this.firsts.set(rule, cheapest);
    return cheapest;
  }
  private readonly firsts = new Map<OrderRule, Pick[]>();

  private newOrderingNeeds(pick: Pick): SessionTemplate[] | undefined {
    const needs: SessionTemplate[] = [];
    for (const rule of this.catalog.rules.order) {
      if (!matchesEnd(pick, rule.then, this.catalog) || this.holds(rule.first) || needs.some((t) => matchesEnd({ template: t, scenarioId: undefined }, rule.first, this.catalog))) continue;
      const cheapest = this.cheapestFirsts(rule).find((p) => p.template.id !== pick.template.id);
      if (!cheapest) return undefined;
      needs.push(cheapest.template);
    }
    return needs;
  }

  /** The pick a template would become next: its id, scenario and effective minutes range; undefined if it cannot run. */
  candidate(t: SessionTemplate): Pick | undefined {
    if (this.candidates.has(t.id)) return this.candidates.get(t.id);
    const pick = this.newCandidate(t);
    this.candidates.set(t.id, pick);
    return pick;
  }

  private newCandidate(t: SessionTemplate): Pick | undefined {
    const n = this.uses(t.id);
    if (n > 0 && !REPEATABLE.has(t.method)) return undefined;
    const scenario = this.scenarioFor(t);
    if (t.scenario && !scenario) return undefined;
    return pickOf(t, scenario, n, this.pool);
  }

  add(pick: Pick): void {
    this.scenarioChoice.clear();
    this.candidates.clear();
    this.held.clear();
    this.needs.clear();
    this.firsts.clear();
    this.picks.push(pick);
    this.counts.set(pick.template.id, this.uses(pick.template.id) + 1);
    if (pick.scenarioId) this.scenarioUses.set(pick.scenarioId, (this.scenarioUses.get(pick.scenarioId) ?? 0) + 1);
    for (const c of pick.template.introduces) {
      this.introduced.add(c);
      if (this.named.has(c)) this.practisedSet.add(c);
    }
    if (isPractical(pick.template.method)) {
      for (const c of pick.credits) {
        this.named.add(c);
        if (this.introduced.has(c)) this.practisedSet.add(c);
      }
    }
    const side = isPractical(pick.template.method) ? this.sums.practical : this.sums.theory;
    side.min += pick.min;
    side.preferred += pick.preferred;
    side.max += pick.max;
    if (pick.template.heavy) this.heavy += 1;
    for (const tier of pick.template.tiers) if (this.spec.tiers.includes(tier)) this.tiers.add(tier);
  }

  /**
   * Adds a template after its prerequisites (those the course can use and does not have yet) and after what the
   * ordering rules need before it (suicide risk taught before practice with suicidal content).
   */
  addWithPrerequisites(t: SessionTemplate, all: ReadonlyMap<string, SessionTemplate>): boolean {
    for (const pre of t.prerequisites) {
      const template = all.get(pre);
      if (template && this.uses(pre) === 0 && !this.addWithPrerequisites(template, all)) return false;
    }
    const pick = this.candidate(t);
    if (!pick) return false;
    const needs = this.orderingNeeds(pick);
    if (!needs) return false;
    for (const need of needs) if (!this.addWithPrerequisites(need, all)) return false;
    // The needs may have used the scenario this pick had: choose again.
    const final = this.candidate(t);
    if (!final) return false;
    this.add(final);
    return true;
  }

  /** What adding a template would newly cover, weighted. */
  gain(t: SessionTemplate, only?: ReadonlySet<string>): number {
    const counts = (c: string) => !only || only.has(c);
    let total = 0;
    if (isPractical(t.method)) {
      const practised = this.practised();
      const scenario = this.scenarioFor(t);
      for (const c of creditedPractice(t, scenario)) if (this.introduced.has(c) && !practised.has(c) && counts(c)) total += this.priorities.weight(c);
      return total;
    }
    for (const c of t.introduces) if (!this.introduced.has(c) && counts(c)) total += this.priorities.weight(c);
    const tiers = t.tiers.filter((tier) => this.spec.tiers.includes(tier) && !this.tiers.has(tier)).length;
    return total + tiers * 2;
  }
}

/** A pick of `template` with `scenario` as the course's `n`-th use of the template: its id, credits and minutes range. */
export function pickOf(t: SessionTemplate, scenario: Scenario | undefined, n: number, pool: Pick_<Pool, "deroling" | "maxBlockMinutes">): Pick {
  let min = scenario ? Math.max(t.minutes.min, ceil5(scenarioMinutes(scenario))) : t.minutes.min;
  // Heavy practice and its de-roling run as one block without a break: together within the block limit.
  const max = t.heavy ? Math.min(t.minutes.max, pool.maxBlockMinutes - pool.deroling.minutes.default) : t.minutes.max;
  min = Math.min(min, max);
  const preferred = Math.min(max, Math.max(min, t.minutes.default));
  return { id: n === 0 ? t.id : `${t.id}-${n + 1}`, template: t, scenarioId: scenario?.id, credits: isPractical(t.method) ? creditedPractice(t, scenario) : [], min, preferred, max };
}

type Pick_<T, K extends keyof T> = { [P in K]: T[P] };

/** A scenario that fits a template, with what ranks it there. */
interface ScenarioChoice {
  scenario: Scenario;
  /** Topics it brings that the session did not ask for and that the ordering rules make wait for teaching. */
  unasked: number;
  rank: number;
  /** Competencies it shares with what the session practises. */
  overlap: number;
}

/** Between two scenarios of equal uses: fewer unasked topics, then (fresh) easier or (replayed) harder, then closer. */
function choiceBefore(a: ScenarioChoice, b: ScenarioChoice, uses: number): boolean {
  if (a.unasked !== b.unasked) return a.unasked < b.unasked;
  const ra = uses > 0 ? -a.rank : a.rank;
  const rb = uses > 0 ? -b.rank : b.rank;
  if (ra !== rb) return ra < rb;
  return a.overlap > b.overlap;
}

/** Whether key `a` sorts before key `b`, element by element. */
function lexicallyBefore(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** Whether a pick (a session of the course) matches one end of an ordering rule. */
export function matchesEnd(pick: { template: SessionTemplate; scenarioId?: string | undefined }, end: OrderEnd, catalog: Catalog): boolean {
  if ("anyPractice" in end) return isPractical(pick.template.method);
  return coversTopic(pick.template, pick.scenarioId ? catalog.scenario(pick.scenarioId) : undefined, end.topic, end.as);
}

/** Picks the template with the best gain per minute among `templates` (ties: fewer uses, then id). */
export function bestByGain(
  selection: Selection,
  templates: readonly SessionTemplate[],
  fits: (pick: Pick) => boolean,
  only?: ReadonlySet<string>,
): Pick | undefined {
  let best: Pick | undefined;
  let bestScore = 0;
  for (const t of templates) {
    const gain = selection.gain(t, only);
    // A pick never takes less than its template's minimum, so this bound skips hopeless candidates cheaply.
    if (gain <= 0 || gain / t.minutes.min <= bestScore + 1e-9) continue;
    const pick = selection.candidate(t);
    if (!pick || !fits(pick)) continue;
    const score = gain / pick.min;
    if (score > bestScore + 1e-9) {
      best = pick;
      bestScore = score;
    }
  }
  return best;
}
